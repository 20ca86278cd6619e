// keys.h, datasets.h, uploads.h: identity, owner isolation, orders and cascades.
#include "conformance.h"

namespace nucleus::store::conformance {
namespace {

ApiKey MakeKey(const std::string& id, const std::string& owner, const std::string& hash,
               const std::string& prefix) {
  ApiKey key;
  key.id = id;
  key.owner = owner;
  key.name = "key " + id;
  key.key_hash = hash;
  key.key_prefix = prefix;
  key.created_at_ms = 5;
  return key;
}

TEST_P(StoreConformanceTest, KeysAreFoundByHashUntilRevokedByIdOrPrefix) {
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.keys().Insert(MakeKey("key_1", "owner_a", "hash1", "pfx1")));
    return tx.keys().Insert(MakeKey("key_2", "owner_b", "hash2", "pfx2"));
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(ApiKey key, tx.keys().FindActiveByHash("hash1"));
    EXPECT_EQ(key.id, "key_1");
    EXPECT_EQ(key.owner, "owner_a");
    EXPECT_EQ(key.key_prefix, "pfx1");
    EXPECT_FALSE(key.revoked);
    EXPECT_EQ(tx.keys().FindActiveByHash("nope").status().code(), StatusCode::kNotFound);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.keys().Revoke("key_1"); }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.keys().Revoke("pfx2"); }));
  EXPECT_EQ(Write([&](Tx& tx) { return tx.keys().Revoke("key_unknown"); }).code(),
            StatusCode::kNotFound);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.keys().FindActiveByHash("hash1").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.keys().FindActiveByHash("hash2").status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<ApiKey> keys, tx.keys().List());
    EXPECT_EQ(keys.size(), 2u);
    for (const ApiKey& key : keys) EXPECT_TRUE(key.revoked) << key.id;
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DatasetRoundTripsItsFieldsVerbatim) {
  Dataset ds;
  ds.id = "ds_round";
  ds.owner = "owner_a";
  ds.name = "Ünïcode name";
  ds.is_scene = true;
  ds.use_privacy_mode = true;
  ds.annotation_metadata_schema_json = R"({"a":{"type":"number"}})";
  ds.item_metadata_schema_json = R"({"b":  1})";
  ds.tags = {"zeta", "alpha"};
  ds.created_at_ms = 42;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.datasets().Insert(ds); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Dataset got, tx.datasets().Get("owner_a", "ds_round"));
    EXPECT_EQ(got.name, ds.name);
    EXPECT_TRUE(got.is_scene);
    EXPECT_TRUE(got.use_privacy_mode);
    EXPECT_EQ(got.annotation_metadata_schema_json, ds.annotation_metadata_schema_json);
    EXPECT_EQ(got.item_metadata_schema_json, ds.item_metadata_schema_json);
    EXPECT_EQ(got.tags, ds.tags);
    EXPECT_EQ(got.created_at_ms, 42);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) {
    return tx.datasets().SetTags("ds_round", {"b", "a", "c"});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(Dataset got, tx.datasets().Get("owner_a", "ds_round"));
    EXPECT_EQ(got.tags, (std::vector<std::string>{"b", "a", "c"}));
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DatasetIdsAreUnique) {
  Dataset ds = AddDataset("owner_a");
  Dataset again = ds;
  again.owner = "owner_b";
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.datasets().Insert(again); }).ok());
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.datasets().Get("owner_b", ds.id).status().code(), StatusCode::kNotFound);
    return tx.datasets().Get("owner_a", ds.id).status();
  }));
}

TEST_P(StoreConformanceTest, DatasetsAreIsolatedByOwnerAndListedNewestFirst) {
  Dataset old_a = AddDataset("owner_a", 100);
  Dataset b = AddDataset("owner_b", 200);
  Dataset new_a = AddDataset("owner_a", 300);
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.datasets().Get("owner_b", old_a.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.datasets().Get("owner_a", b.id).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(tx.datasets().Get("owner_a", "ds_missing").status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Dataset> list, tx.datasets().List("owner_a"));
    EXPECT_EQ(list.size(), 2u);
    if (list.size() == 2) {
      EXPECT_EQ(list[0].id, new_a.id);
      EXPECT_EQ(list[1].id, old_a.id);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Dataset> none, tx.datasets().List("owner_c"));
    EXPECT_TRUE(none.empty());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, DeletingADatasetRemovesEverythingUnderIt) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Item item = AddItem(ds.id, "img");
  Item other_item = AddItem(other.id, "img");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().Put(NewAnnotation(item, "id:1", "car", "{}"), false).status());
    NUCLEUS_RETURN_IF_ERROR(
        tx.annotations().Put(NewAnnotation(other_item, "id:1", "car", "{}"), false).status());
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().PutTaxonomy({ds.id, "weather", "category", {"sun"}}));
    Slice slice;
    slice.id = NextId("slc_");
    slice.dataset_id = ds.id;
    slice.name = "s";
    slice.reference_ids = {"img"};
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().InsertSlice(slice));
    return tx.datasets().Delete(ds.id);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    EXPECT_EQ(tx.datasets().Get("owner_a", ds.id).status().code(), StatusCode::kNotFound);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t items, tx.items().Count(ds.id));
    EXPECT_EQ(items, 0);
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> anns, tx.annotations().ListByDataset(ds.id));
    EXPECT_TRUE(anns.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> gone, tx.annotations().ListByItem(item.rowid));
    EXPECT_TRUE(gone.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Taxonomy> taxonomies, tx.datasets().ListTaxonomies(ds.id));
    EXPECT_TRUE(taxonomies.empty());
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Slice> slices, tx.datasets().ListSlices(ds.id));
    EXPECT_TRUE(slices.empty());
    // The other dataset is untouched.
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Annotation> kept,
                             tx.annotations().ListByDataset(other.id));
    EXPECT_EQ(kept.size(), 1u);
    NUCLEUS_ASSIGN_OR_RETURN(int64_t other_items, tx.items().Count(other.id));
    EXPECT_EQ(other_items, 1);
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, TaxonomiesAreKeyedByDatasetAndNameAndReplacedWhole) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(
        tx.datasets().PutTaxonomy({ds.id, "weather", "category", {"sun", "rain"}}));
    NUCLEUS_RETURN_IF_ERROR(tx.datasets().PutTaxonomy({other.id, "weather", "category", {"fog"}}));
    return tx.datasets().PutTaxonomy({ds.id, "weather", "multicategory", {"sun", "rain", "snow"}});
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Taxonomy> t,
                             tx.datasets().GetTaxonomy(ds.id, "weather"));
    EXPECT_TRUE(t.has_value());
    if (t) {
      EXPECT_EQ(t->type, "multicategory");
      EXPECT_EQ(t->labels, (std::vector<std::string>{"sun", "rain", "snow"}));
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Taxonomy> list, tx.datasets().ListTaxonomies(ds.id));
    EXPECT_EQ(list.size(), 1u);
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Taxonomy> o,
                             tx.datasets().GetTaxonomy(other.id, "weather"));
    EXPECT_TRUE(o.has_value());
    if (o) {
      EXPECT_EQ(o->labels, std::vector<std::string>{"fog"});
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Taxonomy> none, tx.datasets().GetTaxonomy(ds.id, "x"));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(bool deleted, tx.datasets().DeleteTaxonomy(ds.id, "weather"));
    EXPECT_TRUE(deleted);
    NUCLEUS_ASSIGN_OR_RETURN(bool again, tx.datasets().DeleteTaxonomy(ds.id, "weather"));
    EXPECT_FALSE(again);
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Taxonomy> o,
                             tx.datasets().GetTaxonomy(other.id, "weather"));
    EXPECT_TRUE(o.has_value());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, SlicesKeepTheirReferenceIdsInOrderPerDataset) {
  Dataset ds = AddDataset("owner_a");
  Dataset other = AddDataset("owner_a");
  Slice slice;
  slice.id = "slc_1";
  slice.dataset_id = ds.id;
  slice.name = "hard cases";
  slice.reference_ids = {"c", "a", "b"};
  slice.created_at_ms = 7;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) { return tx.datasets().InsertSlice(slice); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Slice> slices, tx.datasets().ListSlices(ds.id));
    EXPECT_EQ(slices.size(), 1u);
    if (!slices.empty()) {
      EXPECT_EQ(slices[0].id, "slc_1");
      EXPECT_EQ(slices[0].name, "hard cases");
      EXPECT_EQ(slices[0].type, "dataset_item");
      EXPECT_EQ(slices[0].reference_ids, slice.reference_ids);
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::vector<Slice> none, tx.datasets().ListSlices(other.id));
    EXPECT_TRUE(none.empty());
    return Status::Ok();
  }));
}

TEST_P(StoreConformanceTest, UploadsArePendingUntilMarkedAndRefreshedByPut) {
  Dataset ds = AddDataset("owner_a");
  std::string request_id(32, 'a');
  Upload up;
  up.dataset_id = ds.id;
  up.request_id = request_id;
  up.owner = "owner_a";
  up.expires_at_ms = 100;
  NUCLEUS_ASSERT_OK(Write([&](Tx& tx) -> Status {
    NUCLEUS_RETURN_IF_ERROR(tx.uploads().Put(up));
    up.expires_at_ms = 500;  // a second request for the same URL refreshes it
    return tx.uploads().Put(up);
  }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Upload> got, tx.uploads().Get(ds.id, request_id));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->expires_at_ms, 500);
      EXPECT_FALSE(got->uploaded);
      EXPECT_EQ(got->owner, "owner_a");
    }
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Upload> none,
                             tx.uploads().Get(ds.id, std::string(32, 'b')));
    EXPECT_FALSE(none.has_value());
    return Status::Ok();
  }));
  NUCLEUS_ASSERT_OK(Write(
      [&](Tx& tx) { return tx.uploads().MarkUploaded(ds.id, request_id, "uploads/x.bin", 1234); }));
  NUCLEUS_ASSERT_OK(Read([&](Tx& tx) -> Status {
    NUCLEUS_ASSIGN_OR_RETURN(std::optional<Upload> got, tx.uploads().Get(ds.id, request_id));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_TRUE(got->uploaded);
      EXPECT_EQ(got->blob_path, "uploads/x.bin");
      EXPECT_EQ(got->size_bytes, 1234);
    }
    return Status::Ok();
  }));
}

}  // namespace
}  // namespace nucleus::store::conformance
