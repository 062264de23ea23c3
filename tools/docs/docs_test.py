"""The docs against the code. A claim in README.md, scripts/run.sh or docs/
that the code contradicts is a bug; this test finds the kinds that have
crept in before:

- docs/commands.md is what `eas-admin commands --markdown` prints from the
  server's command table;
- no "not yet / not built" sentence in README.md, scripts/run.sh or the
  guides names a command the server implements, and no page names as
  implemented a command it does not;
- every flag `eas-server --help` lists is documented in the operator guide
  or the OX connector page, and every flag those pages document exists;
- docs/building.md names every library package scripts/setup.sh installs;
- the replay's options table in docs/captures.md is the options the replay
  reads (tools/replay/conftest.py), no more and no fewer.
"""

import os
import re
import subprocess
import sys

import pytest

ADMIN = os.path.join("reference", "server", "eas-admin")
SERVER = os.path.join("reference", "server", "eas-server")


def read(path):
    with open(path) as f:
        return f.read()


def implemented():
    out = subprocess.run([ADMIN, "commands"], capture_output=True, text=True, check=True).stdout
    return [line.split("\t")[0] for line in out.splitlines() if line]


# The words the docs use for a command's feature, besides its name.
FEATURES = {
    "Search": ["GAL search", "Search"],
    "SendMail": ["sending mail", "mail sending", "SendMail"],
    "GetAttachment": ["attachments", "GetAttachment"],
    "ItemOperations": ["ItemOperations"],
    "MeetingResponse": ["meetings", "meeting responses", "MeetingResponse"],
    "ResolveRecipients": ["ResolveRecipients"],
    "MoveItems": ["MoveItems"],
    "SmartReply": ["SmartReply"],
    "SmartForward": ["SmartForward"],
    "ValidateCert": ["ValidateCert"],
}
# Commands of MS-ASCMD the server does not have (yet): a page must not
# claim them.
NOT_IMPLEMENTED = []


def not_yet_sentences(text):
    """Sentences that say something is missing (a table row or a heading
    is a sentence of its own)."""
    blocks, prose = [], []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("|", "#")):
            blocks.append(" ".join(prose))
            prose = []
            blocks.append(line)
        else:
            prose.append(line.strip())
    blocks.append(" ".join(prose))
    sentences = [s for b in blocks for s in re.split(r"(?<=[.!?])\s+", b)]
    return [s for s in sentences if re.search(r"\b(not yet|not built|not implemented|no support)\b", s, re.I)]


def test_commands_page_is_the_command_table():
    generated = subprocess.run([ADMIN, "commands", "--markdown"], capture_output=True, text=True, check=True).stdout
    assert read(os.path.join("docs", "commands.md")) == generated, (
        "docs/commands.md differs from the command table: run "
        "bazel-bin/reference/server/eas-admin commands --markdown > docs/commands.md")


@pytest.mark.parametrize("page", ["README.md", os.path.join("scripts", "run.sh"),
                                  os.path.join("docs", "vendor-guide.md"), os.path.join("docs", "operator-guide.md")])
def test_no_page_calls_an_implemented_command_missing(page):
    commands = implemented()
    assert "Sync" in commands and "Search" in commands
    for sentence in not_yet_sentences(read(page)):
        for command in commands:
            for word in FEATURES.get(command, [command]):
                if re.search(r"\b%s\b" % re.escape(word), sentence):
                    raise AssertionError("%s says %r is missing, but the server implements %s: %r"
                                         % (page, word, command, sentence))


def test_no_page_claims_a_command_the_server_lacks():
    commands = implemented()
    table = read(os.path.join("docs", "vendor-guide.md"))
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| ") and "|" in line[2:]]
    for row in rows:
        for name in re.findall(r"\b[A-Z][A-Za-z]+\b", row):
            if name in NOT_IMPLEMENTED:
                raise AssertionError("docs/vendor-guide.md lists %s as supported" % name)
    for name in NOT_IMPLEMENTED:
        assert name not in commands, "%s is implemented now: take it off NOT_IMPLEMENTED and out of 'not yet'" % name


def help_flags():
    out = subprocess.run([SERVER, "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"^  --([a-z0-9-]+)", out, re.M))


def test_every_flag_is_documented_and_every_documented_flag_exists():
    flags = help_flags()
    assert {"data-dir", "listen", "tls-listen", "workers", "admin-listen", "access-log", "flagfile"} <= flags
    docs = read(os.path.join("docs", "operator-guide.md")) + read(os.path.join("docs", "ox-connector.md"))
    undocumented = sorted(f for f in flags if "--" + f not in docs)
    assert not undocumented, "flags not in docs/operator-guide.md or docs/ox-connector.md: %s" % undocumented
    documented = set(re.findall(r"`--([a-z0-9-]+)", docs))
    unknown = sorted(documented - flags)
    assert not unknown, "the docs name flags eas-server does not have: %s" % unknown


def test_building_names_every_library_that_setup_installs():
    setup = read(os.path.join("scripts", "setup.sh"))
    building = read(os.path.join("docs", "building.md")).lower()
    names = {"libabsl-dev": "abseil", "libpugixml-dev": "pugixml", "libwbxml2-dev": "libwbxml",
             "libgmime-3.0-dev": "gmime", "nlohmann-json3-dev": "nlohmann-json", "libgtest-dev": "googletest",
             "libboost1.74-dev": "boost", "libssl-dev": "openssl", "libsqlite3-dev": "sqlite"}
    for package, word in names.items():
        if package in setup:
            assert word in building, "docs/building.md does not mention %s (%s)" % (word, package)


def test_replay_options_table_is_the_replay_options():
    sys.path.insert(0, os.path.join("tools", "replay"))
    import conftest
    options = {name for name, *_ in conftest.OPTIONS}
    table = read(os.path.join("docs", "captures.md"))
    rows = [line for line in table.splitlines() if line.startswith("| `--")]
    documented = set()
    for row in rows:
        documented |= set(re.findall(r"`(--[a-z-]+)", row.split("|")[1]))
    documented.discard("--junitxml")  # pytest's own
    assert options == documented, "in the code only: %s; in docs/captures.md only: %s" % (
        sorted(options - documented), sorted(documented - options))


def test_the_vendor_guide_names_every_situation_of_the_test_plan(tmp_path):
    """`eas-admin devices plan ... standard wipe` lists the situations it
    plays; docs/vendor-guide.md has a row for each, and no other."""
    out = subprocess.run([ADMIN, "--data-dir=%s" % tmp_path, "devices", "plan", "ox.io/x", "D", "standard", "wipe"],
                         capture_output=True, text=True, check=True).stdout
    played = [line.split()[0] for line in out.splitlines()[1:]]
    guide = read(os.path.join("docs", "vendor-guide.md"))
    section = guide.split("## Drive your client", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M)
    assert played and rows == played, "the plan plays %s; docs/vendor-guide.md lists %s" % (played, rows)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider"]))
