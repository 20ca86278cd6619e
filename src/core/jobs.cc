#include "core/jobs.h"

namespace nucleus::core {

JobMessage& JobMessage::Int(std::string name, int64_t value) {
  JobMessageField& f = fields_.emplace_back();
  f.name = std::move(name);
  f.kind = JobMessageField::Kind::kInt;
  f.int_value = value;
  return *this;
}

JobMessage& JobMessage::String(std::string name, std::string value) {
  JobMessageField& f = fields_.emplace_back();
  f.name = std::move(name);
  f.kind = JobMessageField::Kind::kString;
  f.string_value = std::move(value);
  return *this;
}

JobMessage& JobMessage::Strings(std::string name, std::vector<std::string> values) {
  JobMessageField& f = fields_.emplace_back();
  f.name = std::move(name);
  f.kind = JobMessageField::Kind::kStrings;
  f.strings = std::move(values);
  return *this;
}

JobMessage& JobMessage::Object(std::string name) {
  JobMessageField& f = fields_.emplace_back();
  f.name = std::move(name);
  f.kind = JobMessageField::Kind::kObject;
  return f.object.emplace_back();
}

}  // namespace nucleus::core
