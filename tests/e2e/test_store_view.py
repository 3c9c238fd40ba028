"""persidict's stores in a real browser: a FileDirDict and an S3Dict, with another process writing.

After ``%load_ext localdict_nb`` a store as a cell's last line shows the tree view. A
second Python process (started by a cell, so it really is another process) writes into
the directory and into the bucket on the S3 server (moto's server mode on 127.0.0.1);
the page shows the new keys within the poll interval, with nothing written by the view.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

WAIT = 30_000  # ms: how long a view may take to show a change (waiting, not asserting time)


def _row(tree: Any, name: str, level: int) -> Any:
    rows = tree.locator(f'[role="treeitem"][aria-level="{level}"]')
    return rows.filter(has=tree.page.locator(".ldnb-name", has_text=re.compile(rf"^{name}$")))


WRITER = '''\
import subprocess, sys, textwrap
subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
    import persidict
    d = persidict.FileDirDict(base_dir={files.base_dir!r})
    d["from_elsewhere", "k"] = 1
    d["user_1", "item_9"] = "written by another process"
    s = persidict.BasicS3Dict(bucket_name={BUCKET!r}, root_prefix="team")
    s["from_elsewhere", "k"] = 2
""")], check=True, env=os.environ)
print("written")'''


def test_stores_on_disk_and_in_s3_follow_another_process(open_notebook: Any, jupyter: Any,
                                                         s3_endpoint: str, tmp_path: Any) -> None:
    bucket = f"ldnb-e2e-{jupyter.flavor}"
    setup = f'''\
import os
os.environ.update(AWS_ENDPOINT_URL={s3_endpoint!r}, AWS_ACCESS_KEY_ID="testing",
                  AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
import boto3, persidict
BUCKET = {bucket!r}
boto3.client("s3").create_bucket(Bucket=BUCKET)
files = persidict.FileDirDict(base_dir={str(tmp_path / "files")!r})
for u in range(3):
    files[f"user_{{u}}", "item_0"] = u
team = persidict.S3Dict(bucket_name=BUCKET, root_prefix="team",
                        base_dir={str(tmp_path / "s3-cache")!r})
team["report"] = {{"ok": True}}
%load_ext localdict_nb'''
    nb = open_notebook(f"stores-{jupyter.flavor}", [setup, "files", "team", WRITER])
    nb.run_cell(0)
    files_view = nb.run_cell(1).get_by_role("tree")
    expect(files_view).to_have_count(1, timeout=WAIT)
    expect(nb.output(1)).to_contain_text("FileDirDict", timeout=WAIT)
    expect(_row(files_view, "user_1", 1)).to_contain_text("pkl 1", timeout=WAIT)
    _row(files_view, "user_1", 1).click()
    expect(_row(files_view, "item_0", 2)).to_have_count(1, timeout=WAIT)
    team_view = nb.run_cell(2).get_by_role("tree")
    expect(nb.output(2)).to_contain_text("S3Dict", timeout=WAIT)
    expect(_row(team_view, "report", 1)).to_have_count(1, timeout=WAIT)

    expect(nb.run_cell(3)).to_contain_text("written")
    expect(_row(files_view, "from_elsewhere", 1)).to_have_count(1, timeout=WAIT)
    expect(_row(files_view, "item_9", 2)).to_have_count(1, timeout=WAIT)
    expect(_row(team_view, "from_elsewhere", 1)).to_have_count(1, timeout=WAIT)
    strip = nb.output(1).get_by_role("region", name="Recent changes")
    expect(strip).to_contain_text("item_9", timeout=WAIT)
    nb.screenshot(f"{jupyter.flavor}-stores.png")
    assert not nb.page.e2e_log.unexpected_page_errors(), nb.page.e2e_log.page_errors
