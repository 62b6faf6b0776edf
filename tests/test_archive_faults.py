"""The archive's fault paths: one writer per file, dead crawl runs, read-only archives,
``check``, damaged archives and exports that never destroy.

Read-only archives need a process that file modes bind. Run as root (which ignores them),
the ``python -m archive`` processes run under ``setpriv`` without the capabilities that let
root pass file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so a 0444 file in a
0555 folder is as read-only to them as to any user; without setpriv those tests are skipped
and only the library's read-only connection is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import pytest

from archive import ArchiveWriter, open_archive
from archive.errors import ArchiveError, ArchiveLocked, ArchiveReadOnly
from archive.lock import ArchiveLock, is_locked
from archive.runs import close_dead_runs, finish_run, start_run
from archive.tokenizer import index_tokens

from .conftest import wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ERROR = "python -m archive: Error: "


# --- a small archive of three Chinese articles, with their raw pages -------------------------

def _page(title: str, when: str, source: str, author: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_青岛新闻网</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> <a href="/news/">青岛新闻</a> <a href="/pd/">平度</a></div>'
            f'<div class="article"><h1>{title}</h1><div class="info">{when} 来源：{source} 作者：{author}</div>'
            f'<div class="article-content">{body}</div></div>'
            f'<div class="footer">青岛新闻网版权所有 鲁ICP备05001234号</div></body></html>').encode()


ARTICLES = [
    ("http://news.qingdao.test/content/202101/25/content_1234567.shtml", "平度举行2021年重点项目集中开工活动",
     "2021-01-25T17:30:00+08:00", "青岛日报", "张晓",
     ["1月25日上午，平度市2021年重点项目集中开工活动在同和街道举行，共有32个项目集中开工，总投资186亿元。",
      "此次开工的项目涵盖先进制造业、现代农业、基础设施等领域，将为全市经济高质量发展注入新动能。",
      "市委书记在活动中表示，要持续优化营商环境，全力保障项目建设用地、用工等要素需求。"]),
    ("http://news.qingdao.test/content/202101/26/content_1234601.shtml", "莱西市召开乡村振兴工作推进会",
     "2021-01-26T09:15:00+08:00", "莱西市融媒体中心", "王倩",
     ["1月26日，莱西市召开乡村振兴工作推进会，总结2020年工作，部署今年重点任务。",
      "会议指出，要以“莱西会议”经验为引领，推进农业农村现代化，壮大村级集体经济。",
      "会议要求，各镇街要压实责任、细化措施，确保各项任务按时完成，让农民群众有更多获得感。"]),
    ("http://news.qingdao.test/content/202101/27/content_1234622.shtml", "胶州湾隧道迎来通车十周年",
     "2021-01-27T08:00:00+08:00", "青岛早报", "刘涛",
     ["胶州湾隧道自2011年6月30日通车以来，累计通行车辆超过2.8亿辆次。",
      "隧道管理方介绍，十年来隧道保持安全运营，日均车流量由通车初期的3万辆增长到如今的8万余辆。",
      "据介绍，今年隧道将完成照明系统节能改造，并在高峰时段增加应急救援力量，进一步提升通行效率。"]),
]


def _record(url, title, published_at, source, author, paragraphs) -> dict:
    return {
        "url": url, "aliases": [], "title": title, "published_at": published_at,
        "published_at_raw": published_at[:16].replace("T", " "), "author": author, "source": source,
        "body": "\n\n".join(paragraphs), "related": [], "site": "news.qingdao.test", "language": "zh-Hans",
        "fetched_at": "2026-11-29T01:00:00+00:00", "pages": 1,
        "captures": [{"url": url, "fetched_at": "2026-11-29T01:00:00+00:00", "status": 200,
                      "body": _page(title, published_at[:16].replace("T", " "), source, author, paragraphs),
                      "response_headers": [["Content-Type", "text/html; charset=utf-8"]],
                      "request_headers": [["User-Agent", "newsarchive"]]}],
    }


URL = ARTICLES[0][0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The archive, written through the library: three articles with captures, a finished
    crawl run and one whose crawl was killed (never ended)."""
    path = tmp_path_factory.mktemp("built") / "news.db"
    db = open_archive(path)
    writer = ArchiveWriter(db)
    run = start_run(db, "news", ["http://news.qingdao.test/"])
    writer.save_many([_record(*a) for a in ARTICLES], run)
    finish_run(db, run, finish_reason="finished", counts={"pages_fetched": 3, "articles_new": 3}, stats={})
    start_run(db, "news", ["http://news.qingdao.test/"])  # killed: ended_at stays NULL
    db.close()
    assert not Path(f"{path}-wal").exists()  # checkpointed: the file alone is the archive
    return path


@pytest.fixture
def archive(built, tmp_path) -> Path:
    """A fresh copy of the archive in its own folder."""
    folder = tmp_path / "store"
    folder.mkdir()
    shutil.copy(built, folder / "news.db")
    return folder / "news.db"


def run_archive(*args, cwd: Path = ROOT, prefix: list[str] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-m", "archive", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env=ENV, timeout=120)


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one line a failed command printed on stderr, without its prefix."""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR), proc.stderr
    return lines[0][len(ERROR):]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unprivileged() -> list[str] | None:
    """A command prefix under which file modes bind: none needed for an ordinary user; for
    root, setpriv without the capabilities that pass file modes. None when unavailable."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        return None
    return prefix


UNPRIVILEGED = _unprivileged()
needs_file_modes = pytest.mark.skipif(UNPRIVILEGED is None, reason="root without setpriv: file modes cannot bind")


@pytest.fixture
def read_only(archive):
    """The archive with its file 0444 and its folder 0555 (restored afterwards)."""
    archive.chmod(0o444)
    archive.parent.chmod(0o555)
    try:
        yield archive
    finally:
        archive.parent.chmod(0o755)
        archive.chmod(0o644)


# --- 1. one writer per archive file, whatever its name -------------------------------------

def test_the_lock_belongs_to_the_file_not_its_name(archive, monkeypatch):
    folder = archive.parent
    (folder / "link.db").symlink_to("news.db")
    os.link(archive, folder / "hard.db")
    monkeypatch.chdir(folder)
    with ArchiveLock("news.db"):
        for name in ("link.db", "hard.db", "./news.db", str(folder / ".." / "store" / "news.db")):
            with pytest.raises(ArchiveLocked) as caught:
                ArchiveLock(name).acquire()
            assert str(caught.value).startswith(f"archive {name} is in use by another writer")
            if Path("/proc/locks").exists():
                assert str(caught.value).endswith(f"(pid {os.getpid()})")
        assert is_locked("link.db") and is_locked("hard.db")
        proc = run_archive("neardup", "--db", "hard.db", cwd=folder)
        assert proc.returncode == 75
        assert error_line(proc).startswith("archive hard.db is in use by another writer")
    assert not is_locked("news.db")
    assert sorted(p.name for p in folder.iterdir()) == ["hard.db", "link.db", "news.db"]  # no .lock file


def test_a_lock_on_a_missing_archive_creates_it_and_can_take_it_back(tmp_path):
    path = tmp_path / "new" / "sub" / "news.db"
    assert not is_locked(path) and not path.exists()  # a probe creates nothing
    lock = ArchiveLock(path)
    lock.acquire()
    assert path.exists() and path.stat().st_size == 0
    assert is_locked(path)
    with pytest.raises(ArchiveLocked):
        ArchiveLock(path).acquire()
    lock.discard()  # the caller turned the path down: nothing is left
    assert list(tmp_path.iterdir()) == []

    kept = ArchiveLock(path)
    kept.acquire()
    kept.release()  # released without removal: the (empty) file stays for the writer
    assert path.exists()
    with ArchiveLock(path):  # an existing file is never removed, empty or not
        pass
    assert path.exists()


def test_a_directory_is_refused_and_nothing_created(tmp_path):
    (tmp_path / "folder").mkdir()
    for name in (tmp_path / "folder", f"{tmp_path / 'missing'}{os.sep}"):
        with pytest.raises(ArchiveError, match="is a directory, not an archive file"):
            ArchiveLock(name).acquire()
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    assert list((tmp_path / "folder").iterdir()) == []


def test_the_lock_never_drops_sqlite_locks_of_its_process(tmp_path):
    """Closing any descriptor of a database file drops this process's POSIX locks on it;
    the lock and the probe keep theirs open, so an SQLite read transaction keeps its lock."""
    path = tmp_path / "plain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    writer = [sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1], timeout=0).execute('BEGIN EXCLUSIVE')",
              str(path)]
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]  # SHARED lock on the file
    for _ in range(3):
        lock = ArchiveLock(path)
        lock.acquire()
        assert is_locked(path)
        lock.release()
        assert not is_locked(path)
    blocked = subprocess.run(writer, capture_output=True, text=True)
    assert blocked.returncode == 1 and "database is locked" in blocked.stderr
    os.close(os.open(path, os.O_RDONLY))  # the hazard itself: the reader's lock is gone
    assert subprocess.run(writer, capture_output=True, text=True).returncode == 0
    reader.execute("COMMIT")


# --- 2. dead crawl runs ------------------------------------------------------------------------

def _runs(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT id, ended_at IS NOT NULL, finish_reason FROM crawl_runs ORDER BY id").fetchall()


def _run_line(proc: subprocess.CompletedProcess, run_id: int) -> str:
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith(f"  run {run_id}: ")]
    return line


def test_a_run_left_open_is_running_while_locked_and_killed_when_not(archive):
    with ArchiveLock(archive):  # its crawl still holds the archive
        proc = run_archive("summary", "--db", archive)
        assert proc.returncode == 0, proc.stderr
        assert _run_line(proc, 2).startswith("  run 2: ") and " .. running: 0 pages" in _run_line(proc, 2)
    assert _runs(archive) == [(1, 1, "finished"), (2, 0, None)]
    proc = run_archive("stats", "--db", archive, "--json")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(proc.stdout)["runs"]
    assert [(r["id"], r["finish_reason"], r["running"]) for r in runs] == [(2, "killed", False), (1, "finished", False)]
    # shown as killed as it is read; the table is the next writer's to change
    assert runs[0]["ended_at"] is None
    assert _runs(archive) == [(1, 1, "finished"), (2, 0, None)]
    proc = run_archive("neardup", "--db", archive)
    assert proc.returncode == 0, proc.stderr
    assert _runs(archive) == [(1, 1, "finished"), (2, 1, "killed")]
    proc = run_archive("summary", "--db", archive)
    assert " killed: 0 pages" in _run_line(proc, 2) and "(killed?)" not in _run_line(proc, 2)


def test_read_commands_write_nothing_to_a_writable_archive(archive, tmp_path):
    """Not the search index (another program's change waits for the next writer), not a dead
    crawl's run row: the file keeps its bytes and its modification time."""
    with sqlite3.connect(archive) as conn:
        conn.execute("UPDATE articles SET title = '莱西市召开乡村振兴推进大会' WHERE id = 2")
    conn.close()
    os.utime(archive, (1_000_000_000, 1_000_000_000))
    before = digest(archive)
    for args in (["summary"], ["stats", "--json"], ["search", "莱西"], ["show", URL], ["history", URL], ["export"],
                 ["export", "--format", "warc", "--output", tmp_path / "news.warc.gz"], ["check"],
                 ["reextract", "--dry-run"], ["split-copies", "--dry-run"]):
        proc = run_archive(*args, "--db", archive)
        assert proc.returncode == 0, (args, proc.stderr)
    assert digest(archive) == before and archive.stat().st_mtime == 1_000_000_000
    assert _runs(archive) == [(1, 1, "finished"), (2, 0, None)]
    with sqlite3.connect(archive) as conn:
        assert conn.execute("SELECT count(*) FROM search_queue").fetchone() == (1,)
    conn.close()
    waiting = run_archive("search", "推进大会", "--db", archive)
    assert waiting.stderr.startswith("note: 1 article is not in the search index yet;"), waiting.stderr
    assert "python -m archive reindex" in waiting.stderr
    proc = run_archive("reindex", "--db", archive)  # the explicit step (any writer does it too)
    assert proc.returncode == 0 and proc.stdout == "the search index is up to date (3 articles)\n", proc
    found = run_archive("search", "推进大会", "--db", archive, "--json")
    assert [h["url"] for h in json.loads(found.stdout)["results"]] == [ARTICLES[1][0]]
    assert found.stderr == ""
    assert _runs(archive) == [(1, 1, "finished"), (2, 1, "killed")]


def test_close_dead_runs(archive):
    db = open_archive(archive, create=False)
    with ArchiveLock(archive):
        assert close_dead_runs(db) == 1
        assert close_dead_runs(db) == 0
    assert db.execute("SELECT finish_reason FROM crawl_runs WHERE id = 2").fetchone() == ("killed",)


@needs_file_modes
def test_a_read_only_archive_shows_a_dead_run_without_closing_it(read_only):
    proc = run_archive("summary", "--db", read_only, prefix=UNPRIVILEGED)
    assert proc.returncode == 0, proc.stderr
    assert " .. not running (killed?): 0 pages" in _run_line(proc, 2)
    assert _runs(read_only) == [(1, 1, "finished"), (2, 0, None)]


# --- 3. read-only archives -------------------------------------------------------------------

@needs_file_modes
def test_every_read_command_reads_a_read_only_archive_and_writes_nothing(read_only):
    before = digest(read_only)
    run = lambda *args: run_archive(*args, "--db", read_only, prefix=UNPRIVILEGED)  # noqa: E731
    summary = run("summary")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.splitlines()[:2] == ["3 articles, 0 alias URLs, 0 related links",
                                               "  news.qingdao.test: 3 articles (date 3, author 3, source 3)"]
    found = run("search", "平度 开工", "--json")
    assert found.returncode == 0, found.stderr
    assert [h["url"] for h in json.loads(found.stdout)["results"]] == [URL]
    exported = run("export")
    assert exported.returncode == 0, exported.stderr
    assert [json.loads(x)["title"] for x in exported.stdout.splitlines()] == [a[1] for a in ARTICLES]
    shown = run("show", URL)
    assert shown.returncode == 0 and "author: 张晓" in shown.stdout.splitlines()
    history = run("history", URL)
    assert history.returncode == 0 and history.stdout.splitlines()[0] == f"{URL}: 1 version"
    stats = run("stats")
    assert stats.returncode == 0 and "latest crawl runs:" in stats.stdout.splitlines()
    checked = run("check")
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1].endswith("no problems found "
                                                                                "(3 articles, 3 captures, 3 articles looked up in the search index)")
    dry = run("split-copies", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    for command in ("neardup", "reextract", "split-copies"):
        proc = run(command)
        assert proc.returncode == 1
        assert error_line(proc) == (f"the archive {read_only} is read-only (its file, folder or file system), "
                                    "and this command writes to it")
    assert sorted(p.name for p in read_only.parent.iterdir()) == ["news.db"]  # no -wal, -shm, .lock
    assert digest(read_only) == before


@needs_file_modes
def test_a_read_only_file_in_a_writable_folder_is_read(archive):
    archive.chmod(0o444)
    proc = run_archive("search", "莱西", "--db", archive, prefix=UNPRIVILEGED)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "1 article matches '莱西':"


@needs_file_modes
def test_a_read_only_archive_that_needs_upgrading_says_so(archive):
    with sqlite3.connect(archive) as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_link_texts'")
    conn.close()
    archive.chmod(0o444)
    archive.parent.chmod(0o555)
    try:
        proc = run_archive("export", "--db", archive, prefix=UNPRIVILEGED)
    finally:
        archive.parent.chmod(0o755)
    assert proc.returncode == 1 and proc.stdout == ""
    assert error_line(proc) == (f"the archive {archive} was written by an older version and needs upgrading, "
                                "which a read-only file cannot take: run any 'python -m archive' command or a "
                                "crawl where it is writable")


@needs_file_modes
def test_changes_left_in_the_wal_of_a_read_only_folder_are_not_silently_missed(archive):
    child = os.fork()
    if child == 0:  # a writer killed before its changes reached the main file
        conn = sqlite3.connect(archive)
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE articles SET title = title || '（更正）' WHERE id = 1")
        conn.commit()
        os._exit(0)
    os.waitpid(child, 0)
    Path(f"{archive}-shm").unlink()
    archive.parent.chmod(0o555)
    try:
        proc = run_archive("summary", "--db", archive, prefix=UNPRIVILEGED)
    finally:
        archive.parent.chmod(0o755)
    assert proc.returncode == 1
    assert error_line(proc) == (f"the latest changes of {archive} are in news.db-wal, which cannot be read in a "
                                "read-only folder without its -shm file: copy news.db and news.db-wal to a "
                                "writable folder")


def test_the_read_only_connection_never_writes(archive):
    """What holds as root too: the read-only open applies nothing and refuses writes."""
    before = digest(archive)
    db = open_archive(archive, create=False, readonly=True)
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (3,)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("UPDATE crawl_runs SET finish_reason = 'killed'")
    db.close()
    assert digest(archive) == before
    with sqlite3.connect(archive) as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_link_texts'")
    conn.close()
    with pytest.raises(ArchiveReadOnly, match="needs upgrading"):
        open_archive(archive, create=False, readonly=True)


@needs_file_modes
def test_datasette_serves_a_read_only_archive_immutable(read_only):
    exe = Path(sys.executable).parent / "datasette"
    if not exe.exists():
        pytest.skip("datasette is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*UNPRIVILEGED, str(exe), "serve", "-i", str(read_only), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/news"
    try:
        wait_until_serving(base + ".json", proc)
        query = urllib.parse.quote("胶州湾")
        with urllib.request.urlopen(f"{base}/articles.json?_shape=array&_search={query}", timeout=10) as r:
            rows = json.loads(r.read())
    finally:
        proc.terminate()
        proc.wait(10)
    assert [row["title"] for row in rows] == ["胶州湾隧道迎来通车十周年"]
    assert sorted(p.name for p in read_only.parent.iterdir()) == ["news.db"]


# --- 4. check ----------------------------------------------------------------------------------

def test_check_passes_a_sound_archive(archive):
    proc = run_archive("check", "--db", archive)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.splitlines() == [
        f"{archive}: no problems found (3 articles, 3 captures, 3 articles looked up in the search index)"]


def _damage_captures_and_index(path: Path) -> dict:
    """Corrupt capture 1's compressed bytes, give capture 3 another page's payload, take
    article 2 out of the search index and add an entry for no article."""
    conn = sqlite3.connect(path)
    conn.execute("UPDATE captures SET body = CAST(x'00112233' || substr(body, 5) AS BLOB) WHERE id = 1")
    conn.execute("UPDATE captures SET body = (SELECT body FROM captures WHERE id = 2), "
                 "body_size = (SELECT body_size FROM captures WHERE id = 2) WHERE id = 3")
    title, body, author, source = conn.execute("SELECT title, body, author, source FROM articles WHERE id = 2").fetchone()
    conn.execute("INSERT INTO articles_fts(articles_fts, rowid, title, body, byline) VALUES ('delete', 2, ?, ?, ?)",
                 [index_tokens(title), index_tokens(body), index_tokens(f"{author} {source}")])
    conn.execute("INSERT INTO articles_fts(rowid, title, body, byline) VALUES (999, '平度', '平度', '')")
    conn.commit()
    urls = dict(conn.execute("SELECT id, url FROM captures"))
    digest3 = conn.execute("SELECT payload_digest FROM captures WHERE id = 3").fetchone()[0]
    conn.close()
    return {"urls": urls, "digest3": digest3}


def test_check_lists_damaged_captures_and_search_index_problems(archive):
    damage = _damage_captures_and_index(archive)
    before = digest(archive)
    proc = run_archive("check", "--db", archive)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "search index: 1 articles are not in the index (the first: article 2)",
        "search index: 1 index entries name no article (the first: 999)",
        "search index: 1 of 3 sampled articles are not found by their own title (the first: article 2)",
        f"capture: #1 ({damage['urls'][1]}) does not decompress: Error -3 while decompressing data: incorrect header check",
        f"capture: #3 ({damage['urls'][3]}) does not match its payload digest {damage['digest3']}",
    ]
    assert error_line(proc) == (f"the archive {archive} has 5 problems (listed above; checked 3 articles, "
                                "3 captures, 3 articles looked up in the search index)")
    assert digest(archive) == before  # check writes nothing


def test_a_damaged_capture_is_counted_by_warc_export_and_reextract(archive, tmp_path):
    _damage_captures_and_index(archive)
    warc = run_archive("export", "--db", archive, "--format", "warc", "--output", tmp_path / "news.warc.gz")
    assert warc.returncode == 0, warc.stderr
    assert warc.stderr.splitlines() == [f"wrote {tmp_path / 'news.warc.gz'}: 3 articles, 2 captures; "
                                        "1 damaged captures skipped"]
    dry = run_archive("reextract", "--db", archive, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    line = dry.stdout.splitlines()[0]  # capture 3 holds article 2's page: it would change
    assert line.startswith("re-extracted 3 articles from their captures: 1 would change (")
    assert line.endswith("), 1 unchanged, failed: capture unreadable 1")


# --- 5. a damaged file is one line, never a traceback ----------------------------------------

def _flip_pages(path: Path, tables: tuple[str, ...]) -> None:
    """Overwrite every page of the b-trees of ``tables`` and their indexes with garbage."""
    conn = sqlite3.connect(path)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    marks = ",".join("?" * len(tables))
    roots = [r for (r,) in conn.execute(
        f"SELECT rootpage FROM sqlite_master WHERE tbl_name IN ({marks}) AND rootpage > 0", tables)]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages == Path(path).stat().st_size // size and all(1 < r <= pages for r in roots)  # not the header
    with open(path, "r+b") as f:
        for page in roots:
            f.seek((page - 1) * size)
            f.write(b"\xa5" * size)


DAMAGED_COMMANDS = [
    ["summary"], ["stats"], ["search", "平度"], ["export"], ["export", "--format", "csv"],
    ["export", "--output", "out.jsonl"], ["export", "--format", "warc", "--output", "out.warc.gz"],
    ["history", URL], ["show", URL], ["neardup"], ["reextract"], ["reextract", "--dry-run"],
    ["split-copies"], ["split-copies", "--dry-run"],
]


@pytest.fixture(scope="module")
def damaged(built, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("damaged") / "news.db"
    shutil.copy(built, path)
    _flip_pages(path, ("articles", "article_urls", "captures"))
    return path


@pytest.mark.parametrize("args", DAMAGED_COMMANDS, ids=" ".join)
def test_every_command_on_a_damaged_archive_is_one_line(damaged, args, tmp_path):
    proc = run_archive(*args, "--db", damaged, cwd=tmp_path)
    assert proc.returncode == 1
    assert error_line(proc) == (f"the archive {damaged} is damaged (database disk image is malformed); "
                                f"run 'python -m archive check --db {damaged}'")
    assert list(tmp_path.iterdir()) == []  # no export, no .part


def test_check_names_the_damaged_tables(damaged):
    proc = run_archive("check", "--db", damaged)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[:3] == [f"integrity: table {t} is unreadable (database disk image is malformed)"
                         for t in ("article_urls", "articles", "captures")]
    assert "Traceback" not in proc.stderr
    assert error_line(proc).startswith(f"the archive {damaged} has {len(lines)} problems (listed above;")


def test_a_file_that_is_no_database_is_one_line(tmp_path):
    path = tmp_path / "news.db"
    path.write_bytes("平度新闻 ".encode() * 2000)
    for args in (["summary"], ["check"], ["neardup"]):
        proc = run_archive(*args, "--db", path)
        assert proc.returncode == 1
        assert error_line(proc) == (f"{path} is not an SQLite database, or its first page is damaged (file is not a "
                                    f"database); run 'python -m archive check --db {path}'")


# --- 6. exports never destroy ----------------------------------------------------------------

@pytest.mark.parametrize("output", ["news.db", "./news.db", "link.db", "hard.db", "news.db-wal", "news.db-shm",
                                    "news.db-journal", "news.db.lock", "export"])
def test_export_refuses_to_write_over_the_archive_or_its_files(archive, output):
    folder = archive.parent
    (folder / "link.db").symlink_to("news.db")
    os.link(archive, folder / "hard.db")
    os.link(archive, folder / "export.part")  # what an export to "export" would write first
    before = digest(archive)
    for fmt in ("jsonl", "warc"):
        proc = run_archive("export", "--db", "news.db", "--format", fmt, "--output", output, "--force", cwd=folder)
        assert proc.returncode == 2
        assert error_line(proc) == f"Invalid value for '--output': {output} is the archive news.db or one of its files"
    assert digest(archive) == before
    assert sorted(p.name for p in folder.iterdir()) == ["export.part", "hard.db", "link.db", "news.db"]


def test_export_overwrites_only_with_force(archive, tmp_path):
    out = tmp_path / "articles.jsonl"
    out.write_text("昨天的导出\n", encoding="utf-8")
    proc = run_archive("export", "--db", archive, "--output", out)
    assert proc.returncode == 2
    assert error_line(proc) == f"Invalid value for '--output': {out} exists; add --force to overwrite it"
    assert out.read_text(encoding="utf-8") == "昨天的导出\n"
    proc = run_archive("export", "--db", archive, "--format", "csv", "--output", out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("url,aliases,title,")
    proc = run_archive("export", "--db", archive, "--output", tmp_path)
    assert proc.returncode == 2 and error_line(proc) == f"Invalid value for '--output': {tmp_path} is a directory"
    proc = run_archive("export", "--db", archive, "--output", tmp_path / "missing" / "articles.jsonl")
    assert proc.returncode == 2
    assert error_line(proc) == f"Invalid value for '--output': the folder of {tmp_path / 'missing' / 'articles.jsonl'} does not exist"


_KILLED_EXPORT = """
import os, signal, sys
import archive.query as query
rows = query.export_rows
def dying(*args, **kwargs):
    for row in rows(*args, **kwargs):
        yield row
        os.kill(os.getpid(), signal.SIGKILL)  # killed after its first article
query.export_rows = dying
from archive.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("fmt, name", [("jsonl", "articles.jsonl"), ("csv", "articles.csv"), ("warc", "news.warc.gz")])
def test_a_killed_export_leaves_nothing_under_the_final_name(archive, tmp_path, fmt, name):
    out = tmp_path / name
    args = ["export", "--db", str(archive), "--format", fmt, "--output", str(out)]
    killed = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, *args], capture_output=True, env=ENV, cwd=ROOT)
    assert killed.returncode == -9
    assert not out.exists() and Path(f"{out}.part").exists()  # the stale part stays
    out.write_bytes(b"the previous export")
    killed = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, *args, "--force"], capture_output=True, env=ENV, cwd=ROOT)
    assert killed.returncode == -9
    assert out.read_bytes() == b"the previous export"
    proc = run_archive(*args, "--force")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(name)] == [name]  # the stale part was reused
    if fmt == "jsonl":
        assert [json.loads(x)["url"] for x in out.read_text(encoding="utf-8").splitlines()] == [a[0] for a in ARTICLES]
    elif fmt == "warc":
        with open(out, "rb") as f:
            assert zlib.decompressobj(wbits=31).decompress(f.read(4096)).startswith(b"WARC/1.1")


def test_export_to_stdout_is_unchanged(archive):
    proc = run_archive("export", "--db", archive, "--output", "-")
    assert proc.returncode == 0 and proc.stderr == ""
    assert [json.loads(x)["author"] for x in proc.stdout.splitlines()] == ["张晓", "王倩", "刘涛"]
