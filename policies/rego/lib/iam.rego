# IAM policy documents, as the IAM-xx policies read them (docs/input-contract.md:
# `iam_policies`, already normalized from the three Terraform spellings).
#
# Functions only: reached through an import, a function costs nothing until it is called,
# whereas a rule would make regorus evaluate this whole package first (docs/policies.md).
package gitops_compliance.lib.iam

import data.gitops_compliance.lib.util

# Types whose `policy` is a KMS key policy: there `Resource: "*"` means "this key".
key_policy_types := {"aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key", "aws_kms_replica_external_key"}

# Every policy document of `resources`, once, where its statements are written:
# {"address", "file", "type", "attribute", "statements", "users"}.
#
# A `policy = data.aws_iam_policy_document.X.json` attribute carries the same statements as
# the data source (the loader resolves the reference). Reporting both would count one
# problem twice, so the document is reported on the data source — where the statement is
# written and must be fixed — and `users` names the resources that use it
# ([{"address", "type", "attribute"}]), so a rule can tell a trust or key policy apart.
#
# One function body, so the two indexes are built once per call: helpers that took
# `resources` as an argument were called per document, and a large unit made that
# quadratic in time and in argument hashing.
documents(resources) := {doc |
	some r in resources
	some i, policy in util.as_array(object.get(r, "iam_policies", []))
	attribute := object.get(policy, "attribute", sprintf("iam_policies[%d]", [i]))
	not _written_in_data_source(r, attribute, sources)
	doc := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"type": object.get(r, "type", ""),
		"attribute": attribute,
		"statements": object.get(policy, "statements", []),
		"users": object.get(users, _source_key(r), []),
	}
} if {
	# the data sources (_source_key)
	sources := {_source_key(d) | some d in resources; _is_document_source(d)}

	# _source_key -> [{"address", "type", "attribute"}] of the resources that use them
	uses := [[key, user] |
		some other in resources
		object.get(other, "mode", "") == "managed"
		some attribute in ["policy", "assume_role_policy"]
		key := _reference(other, attribute)
		user := {"address": other.address, "type": other.type, "attribute": attribute}
	]
	users := {key: [user | some [k, user] in uses; k == key] | some [key, _] in uses}
}

# A string, not an array: object.get treats an array key as a path.
# Not `not _reference(r, attribute) in sources`: OPA evaluates the call outside the
# negation, so an undefined reference made the whole body fail there (regorus did not).
_written_in_data_source(r, attribute, sources) if _reference(r, attribute) in sources

_source_key(r) := json.marshal([object.get(r, "module", ""), r.name])

# The _source_key of NAME when `attribute` of r is "data.aws_iam_policy_document.NAME.json"
# (also indexed, or wrapped in "${...}"). Only the single-valued attributes policy and
# assume_role_policy can hold such a reference.
_reference(r, attribute) := json.marshal([object.get(r, "module", ""), name]) if {
	attribute in {"policy", "assume_role_policy"}
	value := object.get(util.as_object(r.config), attribute, null)
	util.is_unknown(value)
	text := trim_suffix(trim_prefix(trim_space(util.unknown_text(value)), "\"${"), "}\"")
	regex.match(`^data\.aws_iam_policy_document\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]*\])?\.json$`, text)
	name := split(split(text, ".")[2], "[")[0]
}

_is_document_source(r) if {
	r.type == "aws_iam_policy_document"
	object.get(r, "mode", "") == "data"
}

# A trust policy: a role's assume_role_policy, or a document used as one.
is_trust_policy(doc) if doc.attribute == "assume_role_policy"

is_trust_policy(doc) if {
	some user in doc.users
	user.attribute == "assume_role_policy"
}

# A KMS key policy: written on the key, or a document used by one.
is_key_policy(doc) if doc.type in key_policy_types

is_key_policy(doc) if {
	some user in doc.users
	user.type in key_policy_types
}

# Anything but an explicit Deny is treated as Allow: Effect defaults to Allow, and an
# unresolved Effect must not hide a grant.
allows(statement) if not denies(statement)

denies(statement) if {
	effect := object.get(statement, "Effect", "Allow")
	is_string(effect)
	lower(trim_space(effect)) == "deny"
}

# The statements of a document, [] when they are unresolved (see unresolved_actions).
statements(doc) := util.as_array(doc.statements)

# The known action strings of a statement's field ("Action" or "NotAction").
strings(statement, field) := [s | some s in util.as_array(object.get(statement, field, [])); is_string(s)]

# Does the policy's action `pattern` ("iam:Pass*", "*", "IAM:PassRole") grant `action`
# ("iam:passrole")? IAM matches actions case-insensitively, with `*` for any run of
# characters and `?` for one. A pattern with other characters than IAM action names use is
# compared literally.
grants(pattern, action) if {
	p := lower(trim_space(pattern))
	_wildcard_pattern(p)
	regex.match(concat("", ["^", replace(replace(p, "*", ".*"), "?", "."), "$"]), lower(action))
}

# Without wildcards (most patterns) a comparison does: no regular expression to build.
grants(pattern, action) if {
	p := lower(trim_space(pattern))
	not _wildcard_pattern(p)
	p == lower(action)
}

_wildcard_pattern(p) if {
	regex.match(`[*?]`, p)
	regex.match(`^[a-z0-9:*?_-]+$`, p)
}

# Does an Allow statement grant `action` through its Action list?
statement_grants(statement, action) if {
	allows(statement)
	some pattern in strings(statement, "Action")
	grants(pattern, action)
}

# "*" and "*:*" (any number of stars): every action of every service.
full_wildcard(pattern) if regex.match(`^\*+(:\*+)?$`, trim_space(pattern))

# The keys of a statement's Condition, lower-cased ({} when it has none or is unresolved).
condition_keys(statement) := {lower(key) |
	some _, entries in util.as_object(object.get(statement, "Condition", {}))
	some key, _ in util.as_object(entries)
}

# What the loader could not resolve in the documents' actions, for "could not be verified"
# findings: the whole document, an Allow statement's Action list, or one action of it.
# {"address", "file", "attribute", "what", "text"}.
unresolved_actions(docs) := {u |
	some doc in docs
	util.is_unknown(doc.statements)
	u := {"address": doc.address, "file": doc.file, "attribute": doc.attribute, "what": doc.attribute, "text": util.unknown_text(doc.statements)}
} | {u |
	some doc in docs
	some i, statement in statements(doc)
	allows(statement)
	actions := object.get(statement, "Action", [])
	util.is_unknown(actions)
	u := {
		"address": doc.address, "file": doc.file,
		"attribute": sprintf("%s.Statement[%d].Action", [doc.attribute, i]),
		"what": sprintf("%s statement %s: the actions", [doc.attribute, label(statement, i)]),
		"text": util.unknown_text(actions),
	}
} | {u |
	some doc in docs
	some i, statement in statements(doc)
	allows(statement)
	some j, action in util.as_array(object.get(statement, "Action", []))
	util.is_unknown(action)
	u := {
		"address": doc.address, "file": doc.file,
		"attribute": sprintf("%s.Statement[%d].Action[%d]", [doc.attribute, i, j]),
		"what": sprintf("%s statement %s: an action", [doc.attribute, label(statement, i)]),
		"text": util.unknown_text(action),
	}
}

# How a message names a statement: its Sid, else its index.
label(statement, i) := sprintf("\"%s\"", [statement.Sid]) if _has_sid(statement)

label(statement, i) := sprintf("#%d", [i]) if not _has_sid(statement)

_has_sid(statement) if {
	is_string(statement.Sid)
	statement.Sid != ""
}
