"""The API contract detector: new or removed operations and services, breaking or additive
schema changes, in OpenAPI/Swagger, protobuf, GraphQL SDL and Goa design files."""

from __future__ import annotations

import json

import pytest
import yaml

from app.policy.detectors.api_contracts import DETECTOR, KINDS
from app.policy.detectors.base import FileView, Finding
from app.policy.snapshot import ChangedFile, FileStatus
from tests.policy.detectors.patches import patch_of

Found = set[tuple[str, str]]


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced once; fails loudly when ``old`` is not there."""
    assert text.count(old) == 1, f"{old!r} is not in the document exactly once"
    return text.replace(old, new)


def changed(path: str, before: str, after: str, *, context: str = "") -> ChangedFile:
    """The file as GitHub lists it: hunks only, ``context`` after the first ``@@ ... @@``."""
    patch = patch_of(before, after)
    if context:
        header, _, rest = patch.partition("\n")
        patch = f"{header} {context}\n{rest}"
    status = (
        FileStatus.ADDED if not before else FileStatus.REMOVED if not after else FileStatus.MODIFIED
    )
    return ChangedFile(path, status, patch=patch)


def whole(path: str, before: str, after: str) -> Found:
    """Findings when the snapshot has both whole texts."""
    file = changed(path, before, after)
    view = FileView(ChangedFile(path, file.status, patch=file.patch, before=before, after=after))
    return {(f.kind, f.message) for f in DETECTOR.run(view)}


def hunks(path: str, before: str, after: str, *, context: str = "") -> Found:
    """Findings when only the hunks are known (the change sits in the middle of the file)."""
    view = FileView(changed(path, before, after, context=context))
    assert view.texts == (None, None), "the patch covers the whole file; make the document longer"
    return {(f.kind, f.message) for f in DETECTOR.run(view)}


# --- OpenAPI / Swagger ----------------------------------------------------------------------

OPENAPI = """openapi: 3.0.3
info:
  title: Committees
  version: "1.0"
paths:
  /committees/{uid}:
    get:
      operationId: get-committee
      parameters:
        - name: uid
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The committee
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/Committee"
    delete:
      operationId: delete-committee
      responses:
        "204":
          description: Deleted
components:
  schemas:
    Committee:
      type: object
      required:
        - uid
      properties:
        uid:
          type: string
        name:
          type: string
        email:
          type: string
        status:
          type: string
          enum:
            - open
            - closed
"""
MEMBERS_PATH = """  /committees/{uid}/members:
    post:
      operationId: add-member
      responses:
        "201":
          description: Added
"""
PADDING_PATHS = "".join(
    f'  /reports/{n}:\n    get:\n      operationId: report-{n}\n      responses:\n        "200":\n          description: A report\n'
    for n in range(6)
)
PADDING_PROPERTIES = "".join(f"        note{n}:\n          type: string\n" for n in range(4))
LONG_OPENAPI = edit(
    edit(OPENAPI, "paths:\n", "paths:\n" + PADDING_PATHS),
    "        uid:\n          type: string\n",
    "        uid:\n          type: string\n" + PADDING_PROPERTIES,
)
LONG_OPENAPI += "    Report:\n      type: object\n      properties:\n" + PADDING_PROPERTIES.replace(
    "note", "line"
)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(OPENAPI, "components:\n", MEMBERS_PATH + "components:\n"),
            {("api.operation-added", "new operation POST /committees/{uid}/members")},
            id="a_new_path_and_method_is_a_new_operation",
        ),
        pytest.param(
            edit(
                OPENAPI,
                '    delete:\n      operationId: delete-committee\n      responses:\n        "204":\n          description: Deleted\n',
                "",
            ),
            {("api.operation-removed", "operation DELETE /committees/{uid} removed")},
            id="a_removed_method_is_a_removed_operation",
        ),
        pytest.param(
            edit(OPENAPI, "        email:\n          type: string\n", ""),
            {("api.breaking", "property `email` removed from schema Committee")},
            id="a_removed_property_is_breaking",
        ),
        pytest.param(
            edit(
                OPENAPI,
                "        email:\n",
                "        website:\n          type: string\n        email:\n",
            ),
            {("api.additive", "new optional property `website` in schema Committee")},
            id="a_new_optional_property_is_only_additive",
        ),
        pytest.param(
            edit(OPENAPI, "        - uid\n", "        - uid\n        - email\n"),
            {("api.breaking", "`email` made required in schema Committee")},
            id="a_property_added_to_required_is_breaking",
        ),
        pytest.param(
            edit(OPENAPI, "            - closed\n", ""),
            {("api.breaking", "enum value `closed` removed from `status` in schema Committee")},
            id="a_removed_enum_value_is_breaking",
        ),
        pytest.param(
            edit(
                OPENAPI,
                "        name:\n          type: string\n",
                "        name:\n          type: integer\n",
            ),
            {("api.breaking", "`name` in schema Committee changed type from string to integer")},
            id="a_changed_property_type_is_breaking",
        ),
        pytest.param(
            edit(
                OPENAPI,
                "    delete:\n      operationId: delete-committee",
                "    post:\n      operationId: delete-committee",
            ),
            {
                (
                    "api.breaking",
                    "operation `delete-committee` moved from DELETE /committees/{uid} to POST /committees/{uid}",
                )
            },
            id="an_operation_that_changes_method_is_breaking",
        ),
        pytest.param(
            edit(
                OPENAPI,
                "          schema:\n            type: string\n      responses:",
                "          schema:\n            type: string\n        - name: fields\n          in: query\n          schema:\n            type: string\n      responses:",
            ),
            {("api.additive", "new optional parameter `fields` (query) in GET /committees/{uid}")},
            id="a_new_optional_parameter_is_additive",
        ),
        pytest.param(
            edit(
                OPENAPI,
                "          schema:\n            type: string\n      responses:",
                "          schema:\n            type: string\n        - name: tenant\n          in: header\n          required: true\n      responses:",
            ),
            {("api.breaking", "new required parameter `tenant` (header) in GET /committees/{uid}")},
            id="a_new_required_parameter_is_breaking",
        ),
        pytest.param(
            edit(OPENAPI, "  title: Committees\n", "  title: Committees and members\n"),
            set(),
            id="a_changed_description_is_nothing",
        ),
    ],
)
def test_openapi_documents_are_compared_whole(after: str, expected: Found) -> None:
    assert whole("api/openapi.yaml", OPENAPI, after) == expected


def test_a_one_line_goa_openapi_json_is_read_whole_from_its_patch() -> None:
    document = yaml.safe_load(OPENAPI)
    before = json.dumps(document, separators=(",", ":"))
    document["paths"]["/committees/{uid}/members"] = {"post": {"operationId": "add-member"}}
    document["components"]["schemas"]["Committee"]["properties"]["website"] = {"type": "string"}
    after = json.dumps(document, separators=(",", ":"))
    view = FileView(changed("gen/http/openapi3.json", before, after))

    assert view.texts[0] is not None and view.texts[1] is not None
    assert sorted((f.kind, f.message, f.line, f.side) for f in DETECTOR.run(view)) == [
        ("api.additive", "new optional property `website` in schema Committee", 1, "added"),
        ("api.operation-added", "new operation POST /committees/{uid}/members", 1, "added"),
    ]


def test_a_new_document_lists_its_operations_and_schemas() -> None:
    assert whole("api/openapi.yaml", "", OPENAPI) == {
        ("api.operation-added", "new operation GET /committees/{uid}"),
        ("api.operation-added", "new operation DELETE /committees/{uid}"),
        ("api.additive", "new schema Committee"),
    }


def test_swagger_definitions_are_compared_like_schemas() -> None:
    before = json.dumps(
        {
            "swagger": "2.0",
            "paths": {},
            "definitions": {"Member": {"properties": {"email": {"type": "string"}}}},
        },
        indent=2,
    )
    after = edit(before, '"email"', '"mail"')
    assert whole("docs/swagger.json", before, after) == {
        ("api.breaking", "property `email` removed from schema Member"),
        ("api.additive", "new optional property `mail` in schema Member"),
    }


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(LONG_OPENAPI, "  /reports/3:\n", MEMBERS_PATH + "  /reports/3:\n"),
            {("api.operation-added", "new operation POST /committees/{uid}/members")},
            id="a_path_added_mid_file_is_a_new_operation",
        ),
        pytest.param(
            edit(
                LONG_OPENAPI,
                '    delete:\n      operationId: delete-committee\n      responses:\n        "204":\n          description: Deleted\n',
                "",
            ),
            {
                (
                    "api.operation-removed",
                    "operation DELETE `delete-committee` (its path is outside the patch) removed",
                )
            },
            id="a_method_removed_far_from_its_path_is_a_removed_operation",
        ),
        pytest.param(
            edit(LONG_OPENAPI, "        email:\n          type: string\n", ""),
            {("api.breaking", "property `email` removed")},
            id="a_removed_property_is_breaking",
        ),
        pytest.param(
            edit(
                LONG_OPENAPI,
                "        email:\n",
                "        website:\n          type: string\n        email:\n",
            ),
            {("api.additive", "new optional property `website`")},
            id="a_new_optional_property_is_only_additive",
        ),
        pytest.param(
            edit(
                LONG_OPENAPI,
                "        note2:\n          type: string\n",
                "        note2:\n          type: boolean\n",
            ),
            {("api.breaking", "property `note2` changed type from string to boolean")},
            id="a_changed_property_type_is_breaking",
        ),
        pytest.param(
            edit(
                edit(LONG_OPENAPI, "        email:\n          type: string\n", ""),
                "        line3:\n",
                "        email:\n          type: string\n        line3:\n",
            ),
            {
                ("api.breaking", "property `email` removed"),
                ("api.additive", "new optional property `email`"),
            },
            id="a_property_moved_between_distant_hunks_is_removed_and_added",
        ),
        pytest.param(
            edit(
                LONG_OPENAPI,
                "      operationId: report-2\n",
                "      operationId: report-2\n      description: |\n        get: the report\n        type: string\n",
            ),
            set(),
            id="text_inside_a_block_scalar_is_not_read_as_keys",
        ),
    ],
)
def test_openapi_hunks_are_read_when_the_whole_document_is_unknown(
    after: str, expected: Found
) -> None:
    assert hunks("gen/http/openapi3.yaml", LONG_OPENAPI, after) == expected


@pytest.mark.parametrize(
    ("path", "after", "why"),
    [
        pytest.param(
            "openapi.yaml", "openapi: 3.0.3\npaths: [\n", "not valid YAML", id="broken_yaml"
        ),
        pytest.param(
            "swagger.json", '{"swagger": "2.0", "paths": {', "not valid YAML", id="broken_json"
        ),
        pytest.param("openapi.yml", "- just\n- a list\n", "not an OpenAPI", id="not_a_mapping"),
        pytest.param(
            "schema.graphql",
            "type Query {\n  committee(uid: ID!: Committee\n}\n",
            "Syntax Error",
            id="broken_sdl",
        ),
    ],
)
def test_a_document_that_does_not_parse_fails_closed(path: str, after: str, why: str) -> None:
    before = (
        "openapi: 3.0.3\npaths: {}\n"
        if path.startswith(("openapi", "swagger"))
        else "type Query {\n  ok: Boolean\n}\n"
    )
    [found] = DETECTOR.run(FileView(changed(path, before, after)))
    assert found.kind == "api.unreadable"
    assert why in found.message


def test_a_patch_that_cannot_be_read_fails_closed() -> None:
    [found] = DETECTOR.run(FileView(ChangedFile("api/design/committee.go", patch="not a diff")))
    assert found.kind == "api.unreadable"


# --- protobuf -------------------------------------------------------------------------------

PROTO = """syntax = "proto3";

package shop.v1;

service OrderService {
  rpc GetOrder(GetOrderRequest) returns (Order);
  rpc CancelOrder(CancelOrderRequest) returns (Order);
}

message Order {
  string id = 1;
  string email = 2;
  repeated string items = 3;
  Status status = 4;
}

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_SHIPPED = 2;
}
"""
SHIPPING = "\nservice ShippingService {\n  rpc Track(TrackRequest) returns (stream Tracking);\n}\n"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(
                PROTO,
                "  rpc CancelOrder",
                "  rpc Ship(ShipRequest) returns (Order);\n  rpc CancelOrder",
            ),
            {("api.operation-added", "new RPC OrderService.Ship")},
            id="a_new_rpc_is_a_new_operation",
        ),
        pytest.param(
            edit(PROTO, "  rpc CancelOrder(CancelOrderRequest) returns (Order);\n", ""),
            {("api.operation-removed", "RPC OrderService.CancelOrder removed")},
            id="a_removed_rpc_is_a_removed_operation",
        ),
        pytest.param(
            PROTO + SHIPPING,
            {
                ("api.service-added", "new service ShippingService"),
                ("api.operation-added", "new RPC ShippingService.Track"),
            },
            id="a_new_service_and_its_rpcs",
        ),
        pytest.param(
            edit(
                PROTO,
                "service OrderService {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n  rpc CancelOrder(CancelOrderRequest) returns (Order);\n}\n",
                "",
            ),
            {
                ("api.service-removed", "service OrderService removed"),
                ("api.operation-removed", "RPC OrderService.GetOrder removed"),
                ("api.operation-removed", "RPC OrderService.CancelOrder removed"),
            },
            id="a_removed_service_and_its_rpcs",
        ),
        pytest.param(
            edit(PROTO, "  string email = 2;\n", '  reserved 2;\n  reserved "email";\n'),
            {("api.breaking", "field `email` = 2 removed from message Order")},
            id="a_removed_field_is_breaking_and_its_reservation_is_nothing_more",
        ),
        pytest.param(
            edit(PROTO, "  Status status = 4;\n", "  Status status = 4;\n  string note = 5;\n"),
            {("api.additive", "new optional field `note` = 5 in message Order")},
            id="a_new_field_is_only_additive",
        ),
        pytest.param(
            edit(PROTO, "string email = 2;", "bytes email = 2;"),
            {("api.breaking", "field `email` of message Order changed type from string to bytes")},
            id="a_changed_field_type_is_breaking",
        ),
        pytest.param(
            edit(PROTO, "string email = 2;", "string email = 6;"),
            {("api.breaking", "field `email` of message Order renumbered from 2 to 6")},
            id="a_changed_field_number_is_breaking",
        ),
        pytest.param(
            edit(PROTO, "string email = 2;", "string contact = 2;"),
            {("api.breaking", "field 2 of message Order renamed from `email` to `contact`")},
            id="a_renamed_field_is_breaking",
        ),
        pytest.param(
            edit(PROTO, "  STATUS_SHIPPED = 2;\n", ""),
            {("api.breaking", "enum value `STATUS_SHIPPED` removed from Status")},
            id="a_removed_enum_value_is_breaking",
        ),
        pytest.param(
            edit(PROTO, "returns (Order);\n  rpc Cancel", "returns (stream Order);\n  rpc Cancel"),
            {
                (
                    "api.breaking",
                    "RPC OrderService.GetOrder changed from (GetOrderRequest) returns (Order) to (GetOrderRequest) returns (stream Order)",
                )
            },
            id="a_changed_rpc_signature_is_breaking",
        ),
    ],
)
def test_protobuf_changes(after: str, expected: Found) -> None:
    assert whole("proto/shop/v1/order.proto", PROTO, after) == expected


LONG_PROTO = edit(
    PROTO,
    "  Status status = 4;\n",
    "  Status status = 4;\n" + "".join(f"  string line{n} = {n + 10};\n" for n in range(6)),
)


def test_a_protobuf_hunk_names_its_message_from_the_hunk_header() -> None:
    after = edit(LONG_PROTO, "  string line3 = 13;\n", "")
    assert hunks("order.proto", LONG_PROTO, after, context="message Order {") == {
        ("api.breaking", "field `line3` = 13 removed from message Order")
    }
    assert hunks("order.proto", LONG_PROTO, after) == {
        ("api.breaking", "field `line3` = 13 removed")
    }


def test_evidence_points_at_the_changed_line() -> None:
    after = edit(
        PROTO, "  rpc CancelOrder", "  rpc Ship(ShipRequest) returns (Order);\n  rpc CancelOrder"
    )
    [found] = DETECTOR.run(FileView(changed("order.proto", PROTO, after)))
    assert (found.line, found.side) == (7, "added")


# --- GraphQL SDL ----------------------------------------------------------------------------

SDL = """type Query {
  committee(uid: ID!): Committee
  committees(first: Int): [Committee!]!
}

type Mutation {
  createCommittee(input: CommitteeInput!): Committee!
  deleteCommittee(uid: ID!): Boolean!
}

type Committee {
  uid: ID!
  name: String!
  email: String
  status: Status!
}

input CommitteeInput {
  name: String!
  email: String
}

enum Status {
  OPEN
  CLOSED
}
"""


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(
                SDL, "  committees(first", "  archivedCommittees: [Committee!]!\n  committees(first"
            ),
            {("api.operation-added", "new query `archivedCommittees`")},
            id="a_new_query_field_is_a_new_operation",
        ),
        pytest.param(
            edit(SDL, "  deleteCommittee(uid: ID!): Boolean!\n", ""),
            {("api.operation-removed", "mutation `deleteCommittee` removed")},
            id="a_removed_mutation_is_a_removed_operation_only",
        ),
        pytest.param(
            edit(SDL, "  email: String\n  status", "  email: String\n  website: String\n  status"),
            {("api.additive", "new optional field `website` in Committee")},
            id="a_new_optional_field_is_only_additive",
        ),
        pytest.param(
            edit(
                SDL, "  email: String\n}\n\nenum", "  email: String\n  tags: [String!]\n}\n\nenum"
            ),
            {("api.additive", "new optional field `tags` in CommitteeInput")},
            id="a_new_optional_input_field_is_only_additive",
        ),
    ],
)
def test_graphql_documents_are_compared_whole(after: str, expected: Found) -> None:
    assert whole("graph/schema.graphqls", SDL, after) == expected


@pytest.mark.parametrize(
    ("after", "evidence"),
    [
        pytest.param(
            edit(SDL, "  email: String\n  status", "  status"),
            "Committee.email",
            id="a_removed_field",
        ),
        pytest.param(edit(SDL, "  CLOSED\n", ""), "CLOSED", id="a_removed_enum_value"),
        pytest.param(
            edit(SDL, "committees(first: Int)", "committees(first: Int, tenant: ID!)"),
            "tenant",
            id="a_new_required_argument",
        ),
        pytest.param(
            edit(SDL, "  email: String\n}\n\nenum", "  email: String\n  owner: ID!\n}\n\nenum"),
            "owner",
            id="a_new_required_input_field",
        ),
        pytest.param(
            edit(
                SDL,
                "  name: String!\n  email: String\n  status",
                "  name: Int!\n  email: String\n  status",
            ),
            "Committee.name",
            id="a_changed_field_type",
        ),
    ],
)
def test_graphql_breaking_changes_come_from_graphql_core(after: str, evidence: str) -> None:
    [(kind, message)] = whole("schema.graphql", SDL, after)
    assert kind == "api.breaking"
    assert evidence in message


def test_a_schema_split_over_files_is_still_compared_by_its_definitions() -> None:
    before = "extend type Query {\n  members: [Member!]!\n}\n\ntype Member {\n  uid: ID!\n  email: String\n}\n"
    after = edit(
        before, "  members: [Member!]!\n", "  members: [Member!]!\n  member(uid: ID!): Member\n"
    )
    after = edit(after, "  email: String\n", "")
    assert whole("members.graphql", before, after) == {
        ("api.operation-added", "new query `member`"),
        ("api.breaking", "field `email` removed from Member"),
    }


LONG_SDL = "".join(f"type Padding{n} {{\n  a: Int\n  b: Int\n  c: Int\n}}\n\n" for n in range(2))
LONG_SDL = LONG_SDL + SDL + "\n" + LONG_SDL


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(
                LONG_SDL,
                "  committees(first",
                "  archivedCommittees(\n    first: Int\n    tenant: ID!\n  ): [Committee!]!\n  committees(first",
            ),
            {("api.operation-added", "new query `archivedCommittees`")},
            id="a_new_query_over_several_lines",
        ),
        pytest.param(
            edit(LONG_SDL, "  email: String\n  status", "  status"),
            {("api.breaking", "field `email` removed from Committee")},
            id="a_removed_field",
        ),
        pytest.param(
            edit(
                LONG_SDL,
                "  committee(uid: ID!): Committee\n",
                "  committee(uid: ID!, tenant: ID): Committee\n",
            ),
            {("api.additive", "new optional argument `tenant` in Query.committee")},
            id="a_new_optional_argument",
        ),
    ],
)
def test_graphql_hunks_are_read_when_the_whole_document_is_unknown(
    after: str, expected: Found
) -> None:
    assert hunks("schema.graphql", LONG_SDL, after) == expected


# --- Goa design files -----------------------------------------------------------------------

SERVICE_LINE = 'var _ = Service("committee-service", func() {'
GOA = f"""package design

import . "goa.design/goa/v3/dsl"

{SERVICE_LINE}
\tDescription("The committee service manages committees and their members.")

\tMethod("get-committee", func() {{
\t\tPayload(func() {{
\t\t\tAttribute("uid", String, "Committee UID")
\t\t\tRequired("uid")
\t\t}})
\t\tResult(Committee)
\t\tHTTP(func() {{
\t\t\tGET("/committees/{{uid}}")
\t\t\tResponse(StatusOK)
\t\t}})
\t}})

\tMethod("delete-committee", func() {{
\t\tPayload(func() {{
\t\t\tAttribute("uid", String)
\t\t}})
\t\tHTTP(func() {{
\t\t\tDELETE("/committees/{{uid}}")
\t\t}})
\t}})
}})

var Committee = Type("Committee", func() {{
\tAttribute("uid", String)
\tAttribute("name", String)
\tAttribute("email", String)
\tRequired("uid")
}})
"""
ADD_MEMBER = """
\tMethod("add-member", func() {
\t\tPayload(func() {
\t\t\tAttribute("uid", String)
\t\t\tAttribute("email", String)
\t\t\tRequired("uid", "email")
\t\t})
\t\tHTTP(func() {
\t\t\tPOST("/committees/{uid}/members")
\t\t})
\t})
"""
DELETE_METHOD = """
\tMethod("delete-committee", func() {
\t\tPayload(func() {
\t\t\tAttribute("uid", String)
\t\t})
\t\tHTTP(func() {
\t\t\tDELETE("/committees/{uid}")
\t\t})
\t})
"""


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            edit(GOA, "\t})\n})\n\nvar Committee", "\t})\n" + ADD_MEMBER + "})\n\nvar Committee"),
            {
                (
                    "api.operation-added",
                    "new operation committee-service.add-member (POST /committees/{uid}/members)",
                )
            },
            id="a_new_method_is_a_new_operation_and_its_required_payload_is_not_breaking",
        ),
        pytest.param(
            edit(GOA, DELETE_METHOD, ""),
            {
                (
                    "api.operation-removed",
                    "operation committee-service.delete-committee (DELETE /committees/{uid}) removed",
                )
            },
            id="a_removed_method_is_a_removed_operation",
        ),
        pytest.param(
            edit(GOA, '\t\t\tGET("/committees/{uid}")', '\t\t\tGET("/v2/committees/{uid}")'),
            {
                (
                    "api.breaking",
                    "route GET /committees/{uid} of committee-service.get-committee changed to GET /v2/committees/{uid}",
                )
            },
            id="a_changed_route_is_breaking",
        ),
        pytest.param(
            edit(
                GOA,
                '\t\t\tDELETE("/committees/{uid}")\n',
                '\t\t\tDELETE("/committees/{uid}")\n\t\t\tPOST("/committees/{uid}/delete")\n',
            ),
            {
                (
                    "api.operation-added",
                    "new route POST /committees/{uid}/delete for committee-service.delete-committee",
                )
            },
            id="a_new_route_for_a_method_is_a_new_operation",
        ),
        pytest.param(
            edit(GOA, '\tAttribute("email", String)\n', ""),
            {("api.breaking", "attribute `email` removed from Committee")},
            id="a_removed_attribute_is_breaking",
        ),
        pytest.param(
            edit(
                GOA,
                '\tAttribute("email", String)\n',
                '\tAttribute("email", String)\n\tAttribute("website", String)\n',
            ),
            {("api.additive", "new optional attribute `website` in Committee")},
            id="a_new_optional_attribute_is_only_additive",
        ),
        pytest.param(
            edit(GOA, '\tRequired("uid")\n})', '\tRequired("uid", "name")\n})'),
            {("api.breaking", "`name` made required in Committee")},
            id="a_required_list_that_grows_is_breaking",
        ),
        pytest.param(
            edit(
                GOA,
                '\tAttribute("email", String)\n\tRequired("uid")\n})',
                '\tAttribute("email", String)\n\tAttribute("website", String)\n\tRequired("uid", "website")\n})',
            ),
            {("api.breaking", "new required attribute `website` in Committee")},
            id="a_new_required_attribute_is_breaking",
        ),
        pytest.param(
            edit(GOA, '\tAttribute("email", String)\n', '\tAttribute("mail", String)\n'),
            {("api.breaking", "attribute `email` renamed to `mail` in Committee")},
            id="a_renamed_attribute_is_breaking",
        ),
        pytest.param(
            edit(GOA, '\tAttribute("name", String)\n', '\tAttribute("name", ArrayOf(String))\n'),
            {
                (
                    "api.breaking",
                    "attribute `name` of Committee changed type from String to ArrayOf(String)",
                )
            },
            id="a_changed_attribute_type_is_breaking",
        ),
        pytest.param(
            edit(GOA, "\t\tResult(Committee)\n", "\t\tResult(CollectionOf(Committee))\n"),
            {
                (
                    "api.breaking",
                    "result of committee-service.get-committee changed from Committee to CollectionOf(Committee)",
                )
            },
            id="a_changed_result_type_is_breaking",
        ),
        pytest.param(
            edit(
                GOA,
                '\tDescription("The committee service manages committees and their members.")',
                '\tDescription("Committees.")',
            ),
            set(),
            id="a_changed_description_is_nothing",
        ),
    ],
)
def test_goa_design_changes(after: str, expected: Found) -> None:
    assert whole("api/design/committee.go", GOA, after) == expected


def test_a_renumbered_goa_grpc_field_is_breaking() -> None:
    before = 'package design\n\nvar Order = Type("Order", func() {\n\tField(1, "id", String)\n\tField(2, "email", String)\n})\n'
    after = edit(before, 'Field(2, "email"', 'Field(3, "email"')
    assert whole("design/order.go", before, after) == {
        (
            "api.breaking",
            "attribute `email` of Order changed type from String (field 2) to String (field 3)",
        )
    }


def test_goa_services_added_and_removed() -> None:
    assert whole("design/committee.go", "", GOA) == {
        ("api.service-added", "new service committee-service"),
        (
            "api.operation-added",
            "new operation committee-service.get-committee (GET /committees/{uid})",
        ),
        (
            "api.operation-added",
            "new operation committee-service.delete-committee (DELETE /committees/{uid})",
        ),
        ("api.additive", "new type Committee"),
    }
    removed = whole("design/committee.go", GOA, "package design\n")
    assert ("api.service-removed", "service committee-service removed") in removed
    assert ("api.breaking", "type Committee removed") in removed


def test_a_goa_hunk_names_its_service_from_the_hunk_header() -> None:
    after = edit(GOA, "\t})\n})\n\nvar Committee", "\t})\n" + ADD_MEMBER + "})\n\nvar Committee")
    after = after + "".join(
        f'\nvar Padding{n} = Type("Padding{n}", func() {{}})\n' for n in range(3)
    )
    before = GOA + "".join(
        f'\nvar Padding{n} = Type("Padding{n}", func() {{}})\n' for n in range(3)
    )
    expected = {
        (
            "api.operation-added",
            "new operation committee-service.add-member (POST /committees/{uid}/members)",
        )
    }
    assert hunks("design/committee.go", before, after, context=SERVICE_LINE) == expected
    assert hunks("design/committee.go", before, after) == {
        ("api.operation-added", "new operation add-member (POST /committees/{uid}/members)")
    }


# --- which files, and the summary -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "handled"),
    [
        ("openapi.yaml", True),
        ("api/openapi.json", True),
        ("docs/swagger.yaml", True),
        ("gen/http/openapi3.yaml", True),
        ("gen/http/openapi3.json", True),
        ("api/committee.openapi.yml", True),
        ("api/v1/service.swagger.json", True),
        ("proto/shop/v1/order.proto", True),
        ("schema.graphql", True),
        ("graph/schema.graphqls", True),
        ("queries/committee.gql", True),
        ("api/design/committee.go", True),
        ("design/types.go", True),
        ("design/committee_test.go", False),
        ("design/dsl/helpers.go", False),
        ("cmd/committee/main.go", False),
        ("docs/api.yaml", False),
        ("openapi.md", False),
        ("design/README.md", False),
    ],
)
def test_which_files_are_read(path: str, handled: bool) -> None:
    assert DETECTOR.handles(path) is handled


def finding(kind: str) -> Finding:
    return Finding(f"api.{kind}", "x", "m")


@pytest.mark.parametrize(
    ("path", "kinds", "summary"),
    [
        (
            "gen/http/openapi3.yaml",
            ["additive", "additive"],
            "gen/http/openapi3.yaml: 2 additive changes, no new or removed operation",
        ),
        (
            "api/design/committee.go",
            ["operation-added"],
            "api/design/committee.go: 1 new operation",
        ),
        (
            "order.proto",
            ["service-added", "operation-added", "operation-added", "breaking"],
            "order.proto: 1 new service, 2 new operations, 1 breaking change",
        ),
        ("schema.graphql", [], "schema.graphql: no new or removed operation"),
        (
            "openapi.yaml",
            ["unreadable"],
            "openapi.yaml: could not be read as an API contract, counted as a change",
        ),
    ],
)
def test_summaries(path: str, kinds: list[str], summary: str) -> None:
    assert DETECTOR.summarize(path, [finding(kind) for kind in kinds]) == summary


def test_every_kind_reported_is_declared() -> None:
    assert set(KINDS) == {
        "operation-added",
        "operation-removed",
        "service-added",
        "service-removed",
        "breaking",
        "additive",
    }
