#include "schema/config_extends.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace shinrai::schema {

namespace {

constexpr int kMaxDepth = 4;

YAML::Node Overlay(const YAML::Node& base, const YAML::Node& over) {
  if (base.IsSequence() && over.IsSequence()) {
    YAML::Node out = YAML::Clone(base);
    for (const auto& item : over) out.push_back(YAML::Clone(item));
    return out;
  }
  if (!base.IsMap() || !over.IsMap()) return YAML::Clone(over);
  YAML::Node out = YAML::Clone(base);
  for (const auto& entry : over) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& below = base[key];
    out[key] = below.IsDefined() ? Overlay(below, entry.second) : YAML::Clone(entry.second);
  }
  return out;
}

Result<YAML::Node> Load(const std::string& path, int depth, std::string* source_name) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("cannot read the configuration file '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    return InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  if (!root.IsMap() || !root["extends"].IsDefined()) return root;
  const YAML::Node ext = root["extends"];
  if (!ext.IsScalar() || ext.Scalar().empty())
    return InvalidArgument(path + ":" + std::to_string(ext.Mark().line + 1) + ": extends: expected a file name");
  if (depth >= kMaxDepth)
    return InvalidArgument(path + ": extends: more than " + std::to_string(kMaxDepth) + " files deep (a loop?)");
  const std::filesystem::path base_path = std::filesystem::path(path).parent_path() / ext.Scalar();
  *source_name += " over " + base_path.string();
  auto base = Load(base_path.string(), depth + 1, source_name);
  if (!base.ok()) return InvalidArgument(path + ": extends: " + base.status().message());
  root.remove("extends");
  try {
    return Overlay(*base, root);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ":" + std::to_string(e.mark.line + 1) + ": cannot lay this file over " +
                           base_path.string() + ": " + e.msg);
  }
}

}  // namespace

Result<YAML::Node> LoadYamlFile(const std::string& path, std::string* source_name) {
  *source_name = path;
  return Load(path, 0, source_name);
}

}  // namespace shinrai::schema
