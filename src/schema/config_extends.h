// A configuration file may extend another (`extends: base.yaml`, relative to
// the file): the base is read first and this file's sections laid over it,
// mappings key by key, lists appended (more keys, more brands), anything else
// replaced. The two-brand demo (examples/two-brands.yaml) is the single-brand
// example plus what a second brand adds, so the two never drift apart.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/status.h"

namespace shinrai::schema {

// The file's YAML with every file it extends laid under it (at most 4 deep).
// `source_name`: how mistakes should name where they are ("a.yaml", or
// "a.yaml over base.yaml": a line number is that of the file it is in).
Result<YAML::Node> LoadYamlFile(const std::string& path, std::string* source_name);

}  // namespace shinrai::schema
