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
documents(resources) := {doc |
	some r in resources
	some i, policy in util.as_array(object.get(r, "iam_policies", []))
	attribute := object.get(policy, "attribute", sprintf("iam_policies[%d]", [i]))
	not _written_in_data_source(r, attribute, resources)
	doc := {
		"address": r.address,
		"file": object.get(r, "file", ""),
		"type": object.get(r, "type", ""),
		"attribute": attribute,
		"statements": object.get(policy, "statements", []),
		"users": _users(r, resources),
	}
}

# The single-valued attributes whose value may be a reference to a policy document.
_reference_attributes := ["policy", "assume_role_policy"]

# "data.aws_iam_policy_document.NAME.json" (also indexed, or wrapped in "${...}") -> NAME.
_referenced_document(value) := name if {
	util.is_unknown(value)
	text := trim_suffix(trim_prefix(trim_space(util.unknown_text(value)), "\"${"), "}\"")
	regex.match(`^data\.aws_iam_policy_document\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]*\])?\.json$`, text)
	name := split(split(text, ".")[2], "[")[0]
}

_written_in_data_source(r, attribute, resources) if {
	attribute in _reference_attributes
	name := _referenced_document(object.get(util.as_object(r.config), attribute, null))
	some d in resources
	d.type == "aws_iam_policy_document"
	object.get(d, "mode", "") == "data"
	d.name == name
	object.get(d, "module", "") == object.get(r, "module", "")
}

_users(r, resources) := [] if {
	not _is_document_source(r)
}

_users(r, resources) := [user |
	some other in resources
	object.get(other, "mode", "") == "managed"
	object.get(other, "module", "") == object.get(r, "module", "")
	some attribute in _reference_attributes
	_referenced_document(object.get(util.as_object(other.config), attribute, null)) == r.name
	user := {"address": other.address, "type": other.type, "attribute": attribute}
] if {
	_is_document_source(r)
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
	regex.match(`^[a-z0-9:*?_-]+$`, p)
	regex.match(concat("", ["^", replace(replace(p, "*", ".*"), "?", "."), "$"]), lower(action))
}

grants(pattern, action) if {
	p := lower(trim_space(pattern))
	not regex.match(`^[a-z0-9:*?_-]+$`, p)
	p == lower(action)
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
