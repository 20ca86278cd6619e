// Slices (docs/api/slices.md) as values: the record the store keeps and the server shows, what a
// client sends to create or append to one, and what its reads return. Plain values;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/items.h"
#include "core/scenes.h"

namespace nucleus::core {

// A named subset of one dataset. The members of a "dataset_item" slice are item rows
// (SliceMember): deleting an item removes it from every slice, deleting the slice never touches
// its items, deleting the dataset deletes its slices. A "scene" slice keeps scene reference ids
// and an "object" slice annotation/prediction ids in `reference_ids`, in member order; a
// "dataset_item" slice leaves `reference_ids` empty.
struct Slice {
  std::string id;  // "slc_..."
  std::string dataset_id;
  std::string name;
  std::string type = "dataset_item";  // "dataset_item" | "scene" | "object"
  std::vector<std::string> reference_ids;
  int64_t created_at_ms = 0;
};

// One item of a "dataset_item" slice: its place in the slice's member order (increasing, gaps
// after deletions) and its item row.
struct SliceMember {
  int64_t position = 0;
  int64_t item_rowid = 0;
};

// POST dataset/{ds}/create_slice. Exactly one way of naming members is used: reference ids (items,
// or scenes in a scene dataset), item ids ("di_..."), scene ids or object ids.
struct NewSlice {
  std::string name;
  std::vector<std::string> reference_ids;
  std::vector<std::string> dataset_item_ids;
  std::vector<std::string> scene_ids;
  std::vector<std::string> object_ids;
  bool allow_empty = false;  // without it a slice needs members
};

// POST slice/{slc}/append.
struct SliceAppend {
  std::optional<std::vector<std::string>> reference_ids;  // nullopt: sent as null or missing
  std::optional<std::string> dataset_id;                  // must be the slice's when given
};

struct SliceAppendOutcome {
  std::string slice_id;
  int64_t appended = 0;  // members actually added
};

// GET slice/{slc}: the slice and its members, in member order: items of a "dataset_item" slice,
// scenes of a "scene" slice (an "object" slice lists neither).
struct SliceContents {
  Slice slice;
  std::vector<Item> items;
  std::vector<SceneView> scenes;
};

}  // namespace nucleus::core
