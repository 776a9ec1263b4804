"""The cross-organization cases of the authorization matrix (tests/e2e/test_authorization_matrix.py):
references to another organization's (or person's) resources in request bodies, and reads a
stranger scopes with their own organization. Each row is one parametrized test there.
"""

from __future__ import annotations

from typing import Any

from tests.e2e.brief import DUE

# A representative set of references to another organization's (or person's) resources.
CROSS: list[tuple[str, str, str, Any]] = [
    (
        "look with a foreign product",
        "POST",
        "/shootings/{shooting_id}/production-requests",
        lambda w, f: {"product_ids": [f["product_id"]], "subject_ids": [w.ids["subject_id"]]},
    ),
    (
        "look with a stranger's personal product",
        "POST",
        "/shootings/{shooting_id}/production-requests",
        lambda w, f: {"product_ids": [f["personal_product_id"]], "subject_ids": [w.ids["subject_id"]]},
    ),
    (
        "look with a foreign subject",
        "POST",
        "/shootings/{shooting_id}/production-requests",
        lambda w, f: {"product_ids": [w.ids["product_id"]], "subject_ids": [f["subject_id"]]},
    ),
    (
        "look with a foreign shot type",
        "POST",
        "/shootings/{shooting_id}/production-requests",
        lambda w, f: {
            "product_ids": [w.ids["product_id"]],
            "subject_ids": [w.ids["subject_id"]],
            "shot_type_ids": [f["shot_type_id"]],
        },
    ),
    (
        "look with a foreign template",
        "POST",
        "/shootings/{shooting_id}/production-requests",
        lambda w, f: {
            "product_ids": [w.ids["product_id"]],
            "subject_ids": [w.ids["subject_id"]],
            "generative_workflow_template_id": f["generative_workflow_template_id"],
        },
    ),
    (
        "one look with a foreign style",
        "POST",
        "/shootings/{shooting_id}/looks",
        lambda w, f: {
            "main_product_id": w.ids["product_id"],
            "subject_id": w.ids["subject_id"],
            "style_id": f["style_id"],
        },
    ),
    (
        "look update to a foreign subject",
        "PUT",
        "/shootings/{shooting_id}/production-requests/{production_request_id}",
        lambda w, f: {"subject_id": f["subject_id"]},
    ),
    (
        "shooting in the stranger's organization",
        "POST",
        "/shootings/",
        lambda w, f: {"name": "X", "due_date": DUE, "organization_id": f["organization_id"]},
    ),
    (
        "shooting with foreign guidelines",
        "POST",
        "/shootings/",
        lambda w, f: {"name": "X", "due_date": DUE, **w.org, "default_guidelines_id": f["guidelines_id"]},
    ),
    (
        "shooting moved to the stranger's organization",
        "PUT",
        "/shootings/{shooting_id}",
        lambda w, f: {"organization_id": f["organization_id"]},
    ),
    (
        "main products with a foreign product",
        "POST",
        "/shootings/{shooting_id}/main-products",
        lambda w, f: {"product_ids": [f["product_id"]]},
    ),
    (
        "guidelines with a foreign subject",
        "POST",
        "/guidelines/",
        lambda w, f: {"name": "G", **w.org, "subject_ids": [f["subject_id"]]},
    ),
    (
        "guidelines with a foreign set design",
        "PATCH",
        "/guidelines/{guidelines_id}",
        lambda w, f: {"set_design_id": f["set_design_id"]},
    ),
    (
        "pose preset of a foreign shot type",
        "POST",
        "/pose-presets/",
        lambda w, f: {"name": "P", **w.org, "shot_type_id": f["shot_type_id"]},
    ),
    (
        "mapping to a foreign integration",
        "POST",
        "/products/{product_id}/external-mappings",
        lambda w, f: {"integration_id": f["integration_id"], "external_id": "E"},
    ),
    (
        "own default export configuration of a foreign one",
        "PATCH",
        "/users/me",
        lambda w, f: {"export_configuration_id": f["configuration_id"]},
    ),
    (
        "outfit with a foreign product",
        "POST",
        "/shootings/production-requests/{production_request_id}/outfit",
        lambda w, f: {"outfit_product_ids": [f["product_id"]]},
    ),
]


# Reads that take `organization_id` as a scope: the stranger names their own organization with
# the owner's ids, which must answer as ids that do not exist (no probing through the scope).
SCOPED_READS: list[tuple[str, dict[str, str]]] = [
    ("/shootings/summary", {"shooting_id": "shooting_id"}),
    ("/shootings/{shooting_id}/header", {}),
    ("/shootings/{shooting_id}/production-requests", {}),
    ("/shootings/{shooting_id}/production-requests-summary", {}),
    ("/shootings/{shooting_id}/draft-summary", {}),
    ("/shootings/{shooting_id}/production-requests/{production_request_id}", {}),
    ("/shootings/{shooting_id}/production-requests/{production_request_id}/reusable-outfits", {}),
    ("/shootings/production-requests/{production_request_id}", {}),
    ("/shots/", {"shooting_id": "shooting_id", "production_request_id": "production_request_id"}),
    ("/outfits/", {"shooting_id": "shooting_id"}),
]
