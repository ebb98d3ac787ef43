# METADATA
# title: No IAM policy grants a published privilege-escalation action set
# description: >-
#   One identity policy document must not allow every action of a published privilege
#   escalation method: the 21 methods of Rhino Security Labs (iam:CreatePolicyVersion,
#   iam:AttachRolePolicy, iam:PassRole with ec2:RunInstances or lambda:CreateFunction and
#   lambda:InvokeFunction, ...) as cloudsplaining names them, plus later published paths an
#   ML platform meets (iam:PassRole with sagemaker:CreateTrainingJob, CreateProcessingJob,
#   CreateNotebookInstance, ...). The sets are data (data.gitops_compliance.
#   privilege_escalation). Actions match case-insensitively with wildcards expanded
#   (iam:Pass* grants iam:PassRole); "*" alone is IAM-01's and NotAction IAM-06's.
#   Statements scoped to the caller's own user (${aws:username}) do not count. Resource
#   scoping otherwise does not clear a method: passing even one powerful role escalates.
# scope: package
# custom:
#   id: IAM-04
#   severity: high
#   family: iam
#   controls: ["21CFR11.10(d)", "21CFR11.10(g)", "EUANNEX11-12.1"]
#   applies_to:
#     - aws_iam_policy
#     - aws_iam_role
#     - aws_iam_role_policy
#     - aws_iam_user_policy
#     - aws_iam_group_policy
#     - data.aws_iam_policy_document
#   remediation: >-
#     Split the permissions so that no one principal holds a whole escalation set; scope
#     iam:PassRole to named roles with an iam:PassedToService condition, and keep IAM write
#     actions with the identity administrators.
package gitops_compliance.iam.iam04

import data.gitops_compliance.lib.iam
import data.gitops_compliance.lib.util

docs := iam.documents(input.resources)

methods := data.gitops_compliance.privilege_escalation.methods

# Statements that grant to the document's holder: identity statements (a statement with a
# Principal belongs to a resource or trust policy), Allow, not scoped to the caller itself.
_granting(doc) := [statement |
	some statement in iam.statements(doc)
	iam.allows(statement)
	not "Principal" in object.keys(statement)
	not _self_scoped(statement)
]

_self_scoped(statement) if {
	resources := iam.strings(statement, "Resource")
	count(resources) > 0
	every resource in resources {
		contains(resource, "${aws:username}")
	}
}

# Action patterns of the granting statements, lower-cased; "*" alone is IAM-01's finding.
_patterns(doc) := {lower(trim_space(pattern)) |
	some statement in _granting(doc)
	some pattern in iam.strings(statement, "Action")
	not iam.full_wildcard(pattern)
}

# Every action some method needs, lower-cased.
_method_actions := {lower(action) | some method in methods; some action in method.actions}

# The method actions a document grants: literal patterns by set intersection (most
# patterns, and cheap), wildcard patterns (iam:Pass*) through lib.iam.grants.
_granted(doc) := (patterns & _method_actions) | {action |
	some pattern in patterns
	contains(pattern, "*")
	some action in _method_actions
	iam.grants(pattern, action)
} | {action |
	some pattern in patterns
	contains(pattern, "?")
	some action in _method_actions
	iam.grants(pattern, action)
} if {
	patterns := _patterns(doc)
}

_escalations(doc) := {method.id |
	granted := _granted(doc)
	some method in methods
	every action in method.actions {
		lower(action) in granted
	}
}

deny contains finding if {
	some doc in docs
	found := _escalations(doc)
	count(found) > 0
	finding := util.item(doc, {
		"msg": sprintf("%s: %s allows privilege escalation (%s)", [doc.address, doc.attribute, concat(", ", [_describe(id) | some id in sort(found)])]),
		"attribute": doc.attribute,
	})
}

_describe(id) := sprintf("%s: %s", [id, concat(" + ", method.actions)]) if {
	some method in methods
	method.id == id
}

deny contains finding if {
	some u in iam.unresolved_actions(docs)
	finding := util.item(u, {
		"msg": sprintf("%s: %s could not be verified for privilege escalation (unresolved: %s)", [u.address, u.what, u.text]),
		"attribute": u.attribute,
	})
}
