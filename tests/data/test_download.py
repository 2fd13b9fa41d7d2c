"""The download path against a local HTTP server (127.0.0.1, in a thread) serving archives built
here: success, resume of a partial file, checksum mismatch, offline, manual sources, unsafe zips."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import socket
import threading
import zipfile
from typing import ClassVar

import pytest

from findna_bench.data.download import Source, fetch, read_record
from findna_bench.errors import DataError


class Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    seen: ClassVar[list[dict]] = []

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "range": self.headers.get("Range")})
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range"):
            start = int(self.headers["Range"].split("=")[1].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Handler.files, Handler.seen = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler
    httpd.shutdown()
    httpd.server_close()


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return buffer.getvalue()


def gb_zip() -> bytes:
    members = {
        f"demo/{split}/{cls}/{i}.txt": "ACGT" * (i + 1)
        for split in ("train", "test")
        for cls in ("negative", "positive")
        for i in range(50)
    }
    return zip_bytes(members)


def source(url: str, body: bytes | None = None, **kw) -> Source:
    sha = hashlib.sha256(body).hexdigest() if body is not None else None
    return Source(url=url, filename="demo.zip", into="gb", creates="gb/demo/test", sha256=sha, **kw)


def test_success_verifies_unpacks_and_records(server, tmp_path):
    base, handler = server
    handler.files["/demo.zip"] = body = gb_zip()
    progress = []
    state = fetch(
        source(f"{base}/demo.zip", body), tmp_path, progress=lambda d, t: progress.append((d, t))
    )
    assert state == "downloaded"
    assert (tmp_path / "gb/demo/test/positive/49.txt").read_text() == "ACGT" * 50
    assert progress[-1] == (len(body), len(body))
    assert read_record(tmp_path) == {"downloads/demo.zip": hashlib.sha256(body).hexdigest()}
    assert fetch(source(f"{base}/demo.zip", body), tmp_path) == "present"
    assert len(handler.seen) == 1


def test_resume_requests_only_the_missing_bytes(server, tmp_path):
    base, handler = server
    handler.files["/demo.zip"] = body = gb_zip()
    part = tmp_path / "downloads" / "demo.zip.part"
    part.parent.mkdir()
    part.write_bytes(body[:1000])
    fetch(source(f"{base}/demo.zip", body), tmp_path)
    assert handler.seen == [{"path": "/demo.zip", "range": "bytes=1000-"}]
    assert (tmp_path / "downloads" / "demo.zip").read_bytes() == body and not part.exists()


def test_checksum_mismatch_names_url_and_path_and_keeps_nothing_in_place(server, tmp_path):
    base, handler = server
    handler.files["/demo.zip"] = gb_zip()
    wrong = Source(
        url=f"{base}/demo.zip",
        filename="demo.zip",
        into="gb",
        creates="gb/demo/test",
        sha256="0" * 64,
    )
    with pytest.raises(DataError) as info:
        fetch(wrong, tmp_path)
    message = str(info.value)
    assert "\n" not in message and f"{base}/demo.zip" in message
    assert str(tmp_path / "downloads" / "demo.zip") in message
    assert (tmp_path / "downloads" / "demo.zip.bad").exists() and not (tmp_path / "gb").exists()


def test_offline_fails_fast_with_the_url_and_the_place_to_put_the_file(tmp_path):
    with socket.socket() as probe:  # a free loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/demo.zip"
    with pytest.raises(
        DataError, match=r"cannot reach .*offline\? download .* by hand and place it at "
    ) as info:
        fetch(source(url), tmp_path, timeout=2)
    assert url in str(info.value) and str(tmp_path / "downloads" / "demo.zip") in str(info.value)


def test_http_error_and_non_zip_answers_are_one_line(server, tmp_path):
    base, handler = server
    with pytest.raises(DataError, match=r"answered HTTP 404"):
        fetch(source(f"{base}/missing.zip"), tmp_path)
    handler.files["/demo.zip"] = b"<html>confirm you want this file</html>"
    with pytest.raises(DataError, match=r"is not a zip archive .* by hand and place it at"):
        fetch(source(f"{base}/demo.zip"), tmp_path)


def test_manual_source_placed_by_hand_is_unpacked(tmp_path):
    manual = source(
        "https://drive.example/GUE",
        manual="needs a browser: download {url} by hand and place it at {archive}",
    )
    with pytest.raises(
        DataError, match=r"needs a browser: download https://drive.example/GUE by hand"
    ):
        fetch(manual, tmp_path)
    (tmp_path / "downloads" / "demo.zip").write_bytes(gb_zip())
    assert fetch(manual, tmp_path) == "unpacked"
    assert (tmp_path / "gb/demo/train/negative/0.txt").read_text() == "ACGT"


def test_zip_members_escaping_the_root_are_refused(tmp_path):
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "demo.zip").write_bytes(zip_bytes({"../evil.txt": "x"}))
    with pytest.raises(DataError, match="would land outside"):
        fetch(source("http://unused/demo.zip", manual="by hand"), tmp_path)
    assert not (tmp_path.parent / "evil.txt").exists()


def fasta_gz(key: str, n: int, label_gene: str) -> bytes:
    text = "".join(
        f">T{key}{i} cdna gene:{label_gene}{i // 2}.1\n{'ACGT' * (20 + i)}\n" for i in range(n)
    )
    return gzip.compress(text.encode())


def test_cli_download_from_a_mirror_then_mtcdna_builds(server, tmp_path, cli, catalog):
    base, handler = server
    from findna_bench.data.policy import Policy

    keys = ("Chelonoidis_turtle", "Gopherus_turtle", "Mus_musculus", "Mus_spretus")
    for i, key in enumerate(keys):
        handler.files[f"/{key}.fa.gz"] = fasta_gz(key, 12, f"G{i}_")
    result = cli("data", "download", "mtcdna", "--data-root", tmp_path, "--mirror", base, "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "mtcdna" / "fasta").glob("*.fa")) == sorted(
        f"{k}.fa" for k in keys
    )
    task = catalog.get("task", "mtcdna/1k").factory(min_transcript=80, max_len=96)
    data = task.load(tmp_path, policy=Policy.from_config({}), valid_fraction=0.1, carve_seed=0)
    assert (
        sum(len(s.labels) for s in data.splits.values()) == 4 * 11
    )  # lengths 80..124; 80 is not > 80
    record = json.loads((tmp_path / "downloads" / "checksums.json").read_text())
    assert set(record) == {f"downloads/{k}.fa.gz" for k in keys}


def test_cli_download_gue_says_where_to_place_the_archive(cli, tmp_path):
    result = cli("data", "download", "gue", "--data-root", tmp_path, "--quiet")
    assert result.exit_code == 2
    assert "1GRtbzTe3UXYF1oW27ASNhYX3SZ16D7N2" in result.output
    assert str(tmp_path / "downloads" / "GUE.zip") in result.output.replace("\n", "")
