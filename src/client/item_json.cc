#include "client/item_json.h"

#include "client/json_fields.h"

namespace nucleus::client {

using wire::JsonObject;
using wire::JsonValue;

bool IsLocalPath(std::string_view location) {
  size_t colon = location.find("://");
  if (colon == std::string_view::npos) return true;
  std::string_view scheme = location.substr(0, colon);
  return !(scheme == "http" || scheme == "https" || scheme == "s3" || scheme == "gs");
}

void AppendItem(const DatasetItem& item, std::optional<bool> update, std::string* out) {
  out->push_back('{');
  Metadata(item.metadata, out);
  Str("reference_id", item.reference_id, out);
  if (item.width) Num("width", static_cast<double>(item.width), out);
  if (item.height) Num("height", static_cast<double>(item.height), out);
  Str("image_url", item.image_location, out);
  if (update) {
    Key("update", out);
    out->append(*update ? "true," : "false,");
  }
  Close('}', out);
}

Result<DatasetItem> ParseItem(JsonValue value) {
  JsonObject o;
  NUCLEUS_RETURN_IF_ERROR(wire::AsObject(value, "item", &o));
  DatasetItem item;
  for (const char* key : {"processed_url", "image_url", "original_image_url", "pointcloud_url",
                          "url"}) {
    std::string s = GetStr(o, key);
    if (!s.empty()) {
      item.image_location = s;
      break;
    }
  }
  auto ref = GetOptStr(o, "ref_id");
  item.reference_id = ref ? *ref : GetStr(o, "reference_id");
  item.metadata = GetMetadata(o);
  item.width = GetInt(o, "width");
  item.height = GetInt(o, "height");
  item.id = GetStr(o, "id");
  return item;
}

}  // namespace nucleus::client
