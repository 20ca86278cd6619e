// Datasets and what hangs directly off them: tags, taxonomies, slices.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/datasets.h"
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

struct Slice {
  std::string id;  // "slc_..."
  std::string dataset_id;
  std::string name;
  std::string type = "dataset_item";
  std::vector<std::string> reference_ids;
  int64_t created_at_ms = 0;
};

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

  virtual Status InsertSlice(const Slice& slice) = 0;
  virtual Result<std::vector<Slice>> ListSlices(const std::string& dataset_id) = 0;
};

}  // namespace nucleus::store
