"""/v1/client/fs/{ls,stat,cat,readat,stream}: an allocation's files as a Nomad client serves them."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from .agents import AgentThread
from .helpers import find, parse_frames


def test_ls_the_allocation_directory_and_a_task_directory(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    root = agent.client.get(f"/v1/client/fs/ls/{alloc_id}")
    assert root.status_code == 200
    entries = {e["Name"]: e for e in root.json()}
    assert {"alloc", "app", "envoy"} <= set(entries) and entries["alloc"]["IsDir"]
    assert entries["alloc"]["FileMode"].startswith("d") and entries["alloc"]["ModTime"].endswith("Z")
    logs = agent.client.get(f"/v1/client/fs/ls/{alloc_id}", params={"path": "alloc/logs"}).json()
    assert {"app.stdout.0", "app.stderr.0"} <= {e["Name"] for e in logs}
    local = agent.client.get(f"/v1/client/fs/ls/{alloc_id}", params={"path": "/app/local"}).json()
    conf = next(e for e in local if e["Name"] == "app.conf")
    assert not conf["IsDir"] and conf["Size"] > 0 and conf["FileMode"] == "-rw-r--r--"
    assert [e["Name"] for e in local] == sorted(e["Name"] for e in local)


def test_errors_as_nomad_writes_them(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    get = agent.client.get
    missing = get(f"/v1/client/fs/ls/{alloc_id}", params={"path": "nope"})
    assert missing.status_code == 404 and "no such file or directory" in missing.text
    escape = get(f"/v1/client/fs/ls/{alloc_id}", params={"path": "../.."})
    assert escape.status_code == 500 and escape.text == "Path escapes the alloc directory"
    unknown = get("/v1/client/fs/ls/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404 and unknown.text.startswith("Unknown allocation")
    assert get(f"/v1/client/fs/cat/{alloc_id}").text == "must provide a file name"
    directory = get(f"/v1/client/fs/cat/{alloc_id}", params={"path": "alloc"})
    assert directory.status_code == 400 and directory.text == 'file "alloc" is a directory'
    secret = get(f"/v1/client/fs/cat/{alloc_id}", params={"path": "app/secrets/token"})
    assert secret.status_code == 500 and secret.text == "Reading secret file prohibited: app/secrets/token"
    absent = get(f"/v1/client/fs/stream/{alloc_id}", params={"path": "alloc/none"})
    assert absent.status_code == 400 and "no such file or directory" in absent.text
    bad_offset = get(f"/v1/client/fs/readat/{alloc_id}", params={"path": "alloc/data/state.json"})
    assert bad_offset.status_code == 500 and bad_offset.text.startswith("error parsing offset")
    assert get(f"/v1/client/fs/bogus/{alloc_id}").status_code == 404


def test_cat_readat_and_untrusted_content_headers(agent: AgentThread) -> None:
    alloc_id = find(agent, "api")["ID"]
    whole = agent.client.get(f"/v1/client/fs/cat/{alloc_id}", params={"path": "alloc/data/history.log"})
    assert whole.status_code == 200 and whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Content-Type"].startswith("text/plain") and len(whole.content) > 100_000
    page = agent.client.get(
        f"/v1/client/fs/readat/{alloc_id}", params={"path": "alloc/data/history.log", "offset": "100", "limit": "50"}
    )
    assert page.content == whole.content[100:150]
    binary = agent.client.get(f"/v1/client/fs/cat/{alloc_id}", params={"path": "/alloc/data/cache.bin"})
    assert binary.headers["Content-Type"] == "application/octet-stream" and len(binary.content) == 4096
    info = agent.client.get(f"/v1/client/fs/stat/{alloc_id}", params={"path": "alloc/data/cache.bin"}).json()
    assert info["ContentType"] == "application/octet-stream" and info["Size"] == 4096


def test_read_fs_is_needed(acl_agent: AgentThread) -> None:
    stubs = acl_agent.client.get("/v1/allocations", headers={"X-Nomad-Token": "read-secret"}).json()
    alloc_id = next(s["ID"] for s in stubs if s["JobID"] == "api")
    for route in ("ls", "cat", "stream"):
        params = {"path": "alloc/data/state.json"} if route != "ls" else {}
        read = acl_agent.client.get(
            f"/v1/client/fs/{route}/{alloc_id}", params=params, headers={"X-Nomad-Token": "read-secret"}
        )
        assert (read.status_code, read.text) == (403, "Permission denied")
        ok = acl_agent.client.get(
            f"/v1/client/fs/{route}/{alloc_id}",
            params={**params, "follow": "false"},
            headers={"X-Nomad-Token": "mgmt-secret"},
        )
        assert ok.status_code == 200


async def test_stream_follows_a_growing_file_and_says_truncated(fresh_agent: Any) -> None:
    agent = fresh_agent(allocs=3)
    alloc_id = agent.create(job="files", tasks=["t"])[0]
    agent.control("POST", f"alloc/{alloc_id}/file", {"path": "t/local/grow.txt", "data": "one\n"})
    received = b""
    async with httpx.AsyncClient(base_url=agent.url, timeout=10) as client:
        params = {"path": "t/local/grow.txt", "origin": "start", "offset": "0"}
        async with asyncio.timeout(8), client.stream("GET", f"/v1/client/fs/stream/{alloc_id}", params=params) as r:
            assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
            appended = truncated = False
            async for chunk in r.aiter_bytes():
                received += chunk
                frames = parse_frames(received)
                data = b"".join(base64.b64decode(f["Data"]) for f in frames if "Data" in f)
                if data == b"one\n" and not appended:
                    appended = True
                    body = {"path": "t/local/grow.txt", "data": "two\n", "append": True}
                    await client.post(f"/v1/devagent/alloc/{alloc_id}/file", json=body)
                if data == b"one\ntwo\n" and not truncated:
                    truncated = True
                    await client.post(
                        f"/v1/devagent/alloc/{alloc_id}/file", json={"path": "t/local/grow.txt", "data": "x"}
                    )
                if any(f.get("FileEvent") == "file truncated" for f in frames) and data.endswith(b"x"):
                    break
    assert frames[0]["File"] == "t/local/grow.txt" and frames[0]["Offset"] == 4
