"""What S3 answers in AWS, answered locally: the upload form's POST (its policy
checked, the file written atomically into the inbox; runtime/local_uploads.py)
and the signed download links of results files (signed_file_links.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from claimbatch.adapters.embedded.local_object_store import LocalObjectStore
from claimbatch.adapters.embedded.signed_file_links import DOWNLOAD_PATH, LinkRejected, SignedFileLinks
from claimbatch.domain.job import RESULTS_PREFIX
from claimbatch.observability import logger
from claimbatch.runtime.local_uploads import UploadFailed, receive_upload


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """The job API's error body, `{"message", "details"}`."""
    body = json.dumps({"message": message, "details": []}).encode()
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def upload(request: Request, links: SignedFileLinks, objects: LocalObjectStore) -> Response:
    try:
        key = await receive_upload(request.headers.get("content-type", ""), request.stream(), links, objects)
    except UploadFailed as failed:
        # The API's error shape; the detail names S3's error code for the same refusal.
        detail = {"location": "upload", "problem": failed.code}
        return Response(
            json.dumps({"message": failed.message, "details": [detail]}).encode(),
            status_code=failed.status,
            media_type="application/json",
        )
    logger.info("file uploaded through the job API", extra={"bytes": request.headers.get("content-length")})
    return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Location": f"/{key}"})


async def download(request: Request, links: SignedFileLinks, objects: LocalObjectStore) -> Response:
    key = request.scope["path"][len(DOWNLOAD_PATH) :]
    try:
        filename = links.verify_download(key, request.query_params)
        if not key.startswith(RESULTS_PREFIX):
            raise LinkRejected("not a results file")
        path = objects.path_of(key)
    except (LinkRejected, ValueError) as rejected:
        return json_error(HTTPStatus.FORBIDDEN, getattr(rejected, "message", "the download link is not valid"))
    if not path.is_file():
        return json_error(HTTPStatus.NOT_FOUND, "the file is not there (any more)")
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename)
