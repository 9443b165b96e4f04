// File: lake/delta/internal/action_json.h
//
// Log actions <-> JSON objects, shared by the commit-file parser/writer
// (actions.cc) and the checkpoint reader/writer (checkpoint.cc): a checkpoint
// row is one action, the same object a commit line holds.
#pragma once

#include <boost/json.hpp>
#include <set>
#include <string>

#include "core/error.h"
#include "lake/delta/actions.h"

namespace rc::lake::delta::internal {

// Adds the actions of one log object ({"add": {...}}, ...) to `commit`.
// `txn_apps` collects appIds to reject two txns of one app. Unknown actions
// are ignored. Errors: as ParseCommit, with field `where`.
Status ParseActionObject(const boost::json::object& doc, const std::string& where, CommitActions* commit,
                         std::set<std::string>* txn_apps);

boost::json::object ProtocolJson(const Protocol& protocol);
boost::json::object MetadataJson(const Metadata& metadata);
boost::json::object AddJson(const AddFile& add);
boost::json::object RemoveJson(const RemoveFile& remove);
boost::json::object TxnJson(const Txn& txn);

}  // namespace rc::lake::delta::internal
