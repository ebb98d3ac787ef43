# Helpers shared by the built-in policies. Packages under gitops_compliance.lib are
# libraries: they carry no METADATA and their deny/violation/warn rules are never collected.
#
# Written for both regorus and OPA: regorus raises an error where OPA is undefined when
# iterating over a non-collection (`some x in null`) or converting a non-number string, so
# every helper here hands back a collection, and numbers are only parsed after a regex check.
package gitops_compliance.lib.util

# A value the loader could not resolve statically: {"$unknown": "<expression text>"}.
is_unknown(value) if {
	is_object(value)
	"$unknown" in object.keys(value)
}

# The expression text of an unresolved value, for messages.
unknown_text(value) := sprintf("%v", [value["$unknown"]])

# A value the loader replaced because it is a secret: {"$redacted": true}.
is_redacted(value) if {
	is_object(value)
	value["$redacted"] == true
}

# `value` when it is an object, otherwise {} — safe to iterate in both engines.
as_object(value) := value if is_object(value)

as_object(value) := {} if not is_object(value)

# `value` when it is an array, otherwise [].
as_array(value) := value if is_array(value)

as_array(value) := [] if not is_array(value)

# The deny/violation/warn item of a finding about resource `r`: `fields` ("msg",
# "attribute", optionally "severity") plus the resource's "address" as "resource" and its
# "file". `r` is an input resource, or any object carrying its `address` and `file`.
#
# The file tells the engine which object an item is about when the same address appears in
# several files (envs/dev and envs/prod holding the same Secret), and keeps two otherwise
# identical items about those objects apart in the rule's set. Every built-in policy builds
# its items here.
item(r, fields) := object.union(fields, {"resource": r.address, "file": object.get(r, "file", "")})
