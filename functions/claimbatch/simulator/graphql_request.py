"""A GraphQL request to the inquiry endpoint, held to the published schema.

The document is parsed and validated with graphql-core (cached per document
text, as a client sends the same one every time), the variables are coerced,
and the `searchClaimInput` argument is read whether it came as a variable or
inline. The answer is produced by graphql-core's executor, so it holds exactly
the fields asked for. Every problem is a GraphQLRejected whose message is the
validator's, with any echoed input value cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_argument_values, get_variable_values

from claimbatch.simulator.search_claim_schema import search_claim_schema

SEARCH_FIELD = "searchClaim"
_ECHOED_VALUE = (
    re.compile(r"[,.]? [Ff]ound:? .*$", re.DOTALL),  # "…, found: {'claimNumber': …}."
    re.compile(r"(cannot represent a [^:]*value): .*$", re.DOTALL),  # "… non string value: 123"
)


class GraphQLRejected(Exception):
    """The request fails validation; `description` is what the gateway answers."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _message(error: GraphQLError) -> str:
    text = error.message
    for pattern in _ECHOED_VALUE:
        text = pattern.sub(lambda m: f"{m.group(1)}." if m.groups() else ".", text)
    return text


def _rejected(errors: list[GraphQLError]) -> GraphQLRejected:
    return GraphQLRejected(" ".join(_message(error) for error in errors))


@lru_cache(maxsize=64)
def _checked_document(query: str) -> DocumentNode:
    try:
        document = parse(query, max_tokens=20_000)
    except GraphQLError as error:
        raise _rejected([error]) from None
    errors = validate(search_claim_schema(), document)
    if errors:
        raise _rejected(errors)
    return document


@dataclass(frozen=True)
class SearchRequest:
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any]
    search_input: dict[str, Any]  # the searchClaimInput argument, coerced

    def answer(self, search_claim: dict[str, Any]) -> dict[str, Any]:
        """The `data` of the answer: `search_claim` cut down to the fields the document asks for."""
        result = execute_sync(
            search_claim_schema(),
            self.document,
            root_value={SEARCH_FIELD: search_claim},
            variable_values=self.variables,
            operation_name=self.operation.name.value if self.operation.name else None,
        )
        if result.errors:
            raise _rejected(list(result.errors))
        return result.data or {}


def _search_field(operation: OperationDefinitionNode) -> FieldNode:
    for selection in operation.selection_set.selections:
        if isinstance(selection, FieldNode) and selection.name.value == SEARCH_FIELD:
            return selection
    raise GraphQLRejected(f"the operation must select {SEARCH_FIELD}")


def read_request(body: object) -> SearchRequest:
    """The validated request of a JSON body, or GraphQLRejected."""
    if not isinstance(body, dict):
        raise GraphQLRejected("request body must be a JSON object")
    query, variables, operation_name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise GraphQLRejected("query is required and must be a GraphQL document")
    if variables is None:
        variables = {}
    if not isinstance(variables, dict) or not (operation_name is None or isinstance(operation_name, str)):
        raise GraphQLRejected("variables must be a JSON object and operationName a string")
    document = _checked_document(query)
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        raise GraphQLRejected("operationName does not name exactly one operation of the document")
    schema = search_claim_schema()
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        raise _rejected(coerced)
    field = _search_field(operation)
    query_type = schema.query_type
    assert query_type is not None
    try:
        arguments = get_argument_values(query_type.fields[SEARCH_FIELD], field, coerced)
    except GraphQLError as error:
        raise _rejected([error]) from None
    return SearchRequest(document, operation, variables, dict(arguments["searchClaimInput"]))
