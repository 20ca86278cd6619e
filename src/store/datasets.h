// Datasets and what hangs directly off them: tags, taxonomies, slices.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/datasets.h"
#include "core/slices.h"
#include "nucleus/result.h"

namespace nucleus::store {

// The record lives in core/ so that wire/ can encode it.
using Dataset = core::Dataset;

struct Taxonomy {
  std::string dataset_id;
  std::string name;
  std::string type;                 // "category" | "multicategory"
  std::vector<std::string> labels;  // insertion order; never shrinks
};

// The records live in core/slices.h so that wire/ can encode them.
using Slice = core::Slice;
using SliceMember = core::SliceMember;

class DatasetRepo {
 public:
  virtual ~DatasetRepo() = default;
  virtual Status Insert(const Dataset& dataset) = 0;
  // NotFound unless the dataset exists and belongs to `owner`.
  virtual Result<Dataset> Get(const std::string& owner, const std::string& id) = 0;
  // The owner's datasets, newest first.
  virtual Result<std::vector<Dataset>> List(const std::string& owner) = 0;
  // Removes the dataset and everything stored under it (items, annotations, taxonomies, ...).
  virtual Status Delete(const std::string& id) = 0;
  virtual Status SetTags(const std::string& id, const std::vector<std::string>& tags) = 0;

  virtual Result<std::optional<Taxonomy>> GetTaxonomy(const std::string& dataset_id,
                                                      const std::string& name) = 0;
  virtual Result<std::vector<Taxonomy>> ListTaxonomies(const std::string& dataset_id) = 0;
  // Inserts or replaces the taxonomy with this (dataset_id, name).
  virtual Status PutTaxonomy(const Taxonomy& taxonomy) = 0;
  // Returns false when there was no such taxonomy.
  virtual Result<bool> DeleteTaxonomy(const std::string& dataset_id, const std::string& name) = 0;

  // Inserts the slice row (with `reference_ids`); item members are added with AppendSliceItems.
  virtual Status InsertSlice(const Slice& slice) = 0;
  // The dataset's slices, oldest first.
  virtual Result<std::vector<Slice>> ListSlices(const std::string& dataset_id) = 0;
  // nullopt when no slice has this id. Ownership is the caller's check (through the dataset).
  virtual Result<std::optional<Slice>> GetSlice(const std::string& slice_id) = 0;
  // Replaces the id members (`reference_ids`) of a "scene" or "object" slice.
  virtual Status SetSliceReferenceIds(const std::string& slice_id,
                                      const std::vector<std::string>& ids) = 0;
  // Removes the slice and its member list, never the items. false when there was no such slice.
  virtual Result<bool> DeleteSlice(const std::string& slice_id) = 0;
  // Adds item rows of the slice's dataset at the end of its member order, in the order given,
  // skipping rows already members (and repeats within `item_rowids`). Returns how many it added.
  virtual Result<int64_t> AppendSliceItems(const std::string& slice_id,
                                           std::span<const int64_t> item_rowids) = 0;
  // Members with position > after_position in member order, at most `limit`. Only live items:
  // an item's deletion removes it from every slice in the same transaction.
  virtual Result<std::vector<SliceMember>> ListSliceItems(const std::string& slice_id,
                                                          int64_t after_position,
                                                          int64_t limit) = 0;
};

}  // namespace nucleus::store
