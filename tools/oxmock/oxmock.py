"""A stand-in for an Open-Xchange server: the subset of OX's HTTP JSON API
(/ajax) that the reference server's OX connector uses, on 127.0.0.1.

Deterministic: object ids count up per module from the fixture, and the
clock (milliseconds, OX's timestamps) starts at the fixture's "clock" and
moves 1000 ms per write, so a replay sees the same ids and timestamps every
time. Requests are recorded in a journal; faults can be injected.

    python3 oxmock.py --fixture fixture.json [--port 0] [--port-file F]

Admin endpoints (not OX API):
    GET  /admin/state      the groupware state as JSON
    GET  /admin/journal    every /ajax request: method, module, action, user (login of its session), params;
                           ?since=N: from entry N on
    GET  /admin/journal-length  {"length": n}
    POST /admin/faults     {"latency_ms": n, "status": 503, "count": n,
                            "expire_sessions": true, "drop": n, "error_code": "SVL-0001"}
    POST /admin/latency    {"ms": n, "user": "ana"}: every later /ajax call (of that user's
                           sessions; without "user" of everyone) answers n ms late. Like a real
                           OX under load, calls wait concurrently: the delay is slept outside the
                           state's lock, so one slow user or call holds up no other.
    POST /admin/change     a change made in the groupware (not by the phone):
                           {"module": "contacts", "action": "new"|"update"|"delete", "user": "miguel",
                            "folder": "30", "id": "...", "data": {...}}  or
                           {"module": "mail", "action": "deliver", "user": "miguel", "raw": "..."}
    POST /admin/reset      back to the fixture

Modules: login, folders, contacts, calendar, tasks, mail, mailfilter (rules
kept and listed, not run).

The OX API facts used (columns, actions, the error form) follow OX's
published HTTP API documentation; docs/ox-connector.md lists them.
"""

import argparse
import calendar
import copy
import email
import email.policy
import email.utils
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Column ids (OX HTTP API, "Column identifiers").
FOLDER_COLUMNS = {1: "id", 5: "last_modified", 20: "folder_id", 300: "title", 301: "module",
                  302: "type", 308: "standard_folder", 316: "standard_folder_type"}
COMMON = {1: "id", 5: "last_modified", 20: "folder_id", 100: "categories"}
CONTACT = {500: "display_name", 501: "first_name", 502: "last_name", 505: "title", 511: "birthday",
           518: "note", 519: "department", 520: "position", 542: "telephone_business1",
           548: "telephone_home1", 551: "cellular_telephone1", 555: "email1", 556: "email2",
           557: "email3", 569: "company", 599: "file_as", 223: "uid"}
APPOINTMENT = {200: "title", 201: "start_date", 202: "end_date", 203: "note", 204: "alarm",
               209: "recurrence_type", 212: "days", 213: "day_in_month", 214: "month", 215: "interval",
               216: "until", 222: "occurrences", 223: "uid", 224: "organizer", 400: "location",
               401: "full_time", 402: "shown_as", 408: "timezone"}
TASK = {200: "title", 201: "start_date", 202: "end_date", 203: "note", 300: "status",
        301: "percent_completed", 309: "priority", 315: "date_completed", 401: "full_time"}
MAIL = {600: "id", 601: "folder_id", 602: "attachment", 607: "subject", 608: "size", 610: "received_date",
        611: "flags"}
FIELDS = {"contacts": {**COMMON, **CONTACT}, "calendar": {**COMMON, **APPOINTMENT},
          "tasks": {**COMMON, **TASK}}
SEEN = 32  # mail system flag


class OxError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Groupware:
    """The state: users, folders, objects, mail; guarded by one lock."""

    def __init__(self, fixture):
        self.fixture = fixture
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            f = copy.deepcopy(self.fixture)
            self.clock = int(f.get("clock", 1795000000000))
            self.users = {(u["context"], u["login"]): u for u in f["users"]}
            # Mail folder ids ("default0/INBOX") are per user in OX; kept
            # here under "<login>:<id>" (fkey) and shown without the prefix.
            self.folders = {}
            for x in f["folders"]:
                x = dict(x, id=str(x["id"]), last_modified=self.clock)
                self.folders[fkey_of(x.get("owner"), x["id"])] = x
            self.objects = {}   # module -> id -> object
            self.deleted = {}   # module -> id -> (folder, last_modified)
            self.latency = {}   # login (or "*") -> ms per call
            self.next_id = {"contacts": 1000, "calendar": 2000, "tasks": 3000, "mail": 1, "folders": 500}
            for module in ("contacts", "calendar", "tasks"):
                self.objects[module], self.deleted[module] = {}, {}
                for obj in f.get(module, []):
                    self.add_object(module, dict(obj))
            self.mail = {}  # (folder, id) -> {"raw", "flags", "received_date"}
            for m in f.get("mail", []):
                self.add_mail(fkey_of(m["owner"], m["folder"]), m["raw"], m.get("flags", 0), m.get("received_date"))
            self.sent = []  # mail that left for outside addresses
            self.mailfilters = {}  # login -> [rule]; ids count per user from 0
            self.sessions = {}  # session -> (user key, secret)
            self.journal = []
            self.faults = {}

    def tick(self):
        self.clock += 1000
        return self.clock

    def add_object(self, module, obj, fkey=None):
        if "id" not in obj:
            self.next_id[module] += 1
            obj["id"] = str(self.next_id[module])
        obj["id"] = str(obj["id"])
        obj["folder_id"] = str(obj["folder_id"])
        # Which user's folder: given, or the fixture's owner, or a shared one.
        owner = obj.pop("owner", None)
        obj["_fkey"] = fkey or (fkey_of(owner, obj["folder_id"]) if owner else self.any_key(obj["folder_id"]))
        obj["last_modified"] = self.tick()
        self.objects[module][obj["id"]] = obj
        return obj

    def any_key(self, fid):
        """The key of the folder with this id (fixtures that name no owner)."""
        if fid in self.folders:
            return fid
        return next((k for k, f in self.folders.items() if f["id"] == fid), fid)

    def add_mail(self, folder, raw, flags=0, received_date=None):
        """received_date: a fixture's own (ms); else the mock's clock."""
        self.next_id["mail"] += 1
        mid = str(self.next_id["mail"])
        self.mail[(folder, mid)] = {"raw": raw, "flags": flags, "received_date": received_date or self.tick()}
        return mid

    def folder(self, user, fid):
        return self.folders.get(fkey_of(user["login"], fid)) or self.folders.get(str(fid))

    def folder_key(self, user, fid):
        key = fkey_of(user["login"], fid)
        return key if key in self.folders else str(fid)

    def user_of(self, login_name):
        # OX login names: "user@context", or a bare name in the default context.
        if "@" in login_name:
            login, context = login_name.split("@", 1)
        else:
            login, context = login_name, "defaultcontext"
        return self.users.get((context, login))

    def owned_folders(self, user, module=None):
        return [f for f in self.folders.values()
                if f.get("owner") in (None, user["login"]) and (module is None or f["module"] == module)]

    def name_taken(self, user, parent, title, besides=None):
        """A sibling already has the name: mail folder names as IMAP compares
        them (INBOX in any case), the account root ("default0") being the
        same place as the folder tree's root ("1")."""
        roots = ("1", "default0")
        same_parent = lambda p: p == parent or (p in roots and parent in roots)
        fold = lambda f, t: t.lower() if f.get("module") == "mail" else t
        return any(f is not besides and same_parent(f.get("folder_id")) and fold(f, f["title"]) == fold(f, title)
                   for f in self.owned_folders(user))

    def state(self):
        with self.lock:
            return {"clock": self.clock, "folders": self.folders, "sessions": len(self.sessions),
                    "objects": {m: {i: {k: v for k, v in o.items() if k != "_fkey"} for i, o in objs.items()}
                                for m, objs in self.objects.items()}, "sent": self.sent,
                    "mailfilters": self.mailfilters,
                    "mail": [{"folder": k[0], "id": k[1], "flags": v["flags"],
                              "subject": email.message_from_string(v["raw"]).get("Subject", "")}
                             for k, v in sorted(self.mail.items())]}


def fkey_of(login, fid):
    """Folder ids are per user in OX ("default0/INBOX" for everyone); the mock
    keeps a user's folders under "<login>:<id>", shared ones (the GAL) under
    the bare id."""
    return "%s:%s" % (login, fid) if login else str(fid)


def columns_of(params):
    return [int(c) for c in params.get("columns", "1").split(",") if c]


def row(obj, columns, fields):
    # Objects are shown without the mock's own bookkeeping ("_fkey").
    return [obj.get(fields.get(c, ""), None) for c in columns]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oxmock/1"
    # Headers and body leave in separate writes: without this, Nagle and the
    # peer's delayed ACK hold every kept-alive answer back ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet
        pass

    @property
    def gw(self):
        return self.server.groupware

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, payload, headers=()):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.dispatch("GET")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        raw = self.body()
        if url.path.startswith("/admin/"):
            return self.admin(url.path[7:], raw, params)
        if not url.path.startswith("/ajax/"):
            return self.send(404, {"error": "not found"})
        module = url.path[6:]
        action = params.get("action", "")
        gw = self.gw
        fault = {}
        with gw.lock:
            entry = gw.sessions.get(params.get("session", ""))
            login = entry[0][1] if entry else ""
            gw.journal.append({"method": method, "module": module, "action": action, "user": login,
                               "params": {k: v for k, v in params.items() if k not in ("session", "password")}})
            if gw.faults.get("count", 0) > 0:
                gw.faults["count"] -= 1
                fault = dict(gw.faults)
            if gw.faults.pop("expire_sessions", False):
                gw.sessions.clear()
            delay = gw.latency.get(login, gw.latency.get("*", 0))
        # Waits happen outside the lock: concurrent calls wait together.
        if fault.get("latency_ms") or delay:
            time.sleep((fault.get("latency_ms", 0) + delay) / 1000.0)
        if fault.get("drop"):
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault.get("status"):
            return self.send(fault["status"], b"<html>upstream unavailable</html>")
        if fault.get("error_code"):
            return self.send(200, {"error": "injected", "code": fault["error_code"]})
        try:
            if module == "login":
                return self.login(action, params, raw)
            user = self.session_user(params)
            handler = getattr(self, "m_" + module, None)
            if handler is None:
                raise OxError("SVL-0010", "unknown module " + module)
            with gw.lock:
                result = handler(user, action, params, raw)
            self.send(200, result)
        except OxError as e:
            self.send(200, {"error": e.message, "code": e.code, "error_params": []})

    # --- login and sessions -------------------------------------------------

    def login(self, action, params, raw):
        gw = self.gw
        if action == "logout":
            with gw.lock:
                gw.sessions.pop(params.get("session"), None)
            return self.send(200, {})
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
        form.update({k: v for k, v in params.items() if k in ("name", "password")})
        with gw.lock:
            user = gw.user_of(form.get("name", ""))
            if user is None or user["password"] != form.get("password"):
                raise_ = {"error": "The user name or password is incorrect.", "code": "LGI-0006",
                          "error_params": []}
                return self.send(200, raise_)
            n = len(gw.journal)
            session, secret = "s%04d%s" % (n, user["login"]), "secret%04d" % n
            gw.sessions[session] = ((user["context"], user["login"]), secret)
        cookie = "open-xchange-secret-oxmock=%s; Path=/ajax; HttpOnly" % secret
        self.send(200, {"session": session, "user_id": user.get("user_id", 3),
                        "context_id": user.get("context_id", 1), "locale": "en_US"},
                  [("Set-Cookie", cookie), ("Set-Cookie", "JSESSIONID=%s.oxmock; Path=/" % session)])

    def session_user(self, params):
        gw = self.gw
        with gw.lock:
            entry = gw.sessions.get(params.get("session", ""))
            cookies = self.headers.get("Cookie", "")
            if entry is None or ("open-xchange-secret-oxmock=" + entry[1]) not in cookies:
                raise OxError("SES-0203", "Your session expired. Please login again.")
            return gw.users[entry[0]]

    # --- modules --------------------------------------------------------------

    def m_user(self, user, action, params, raw):
        if action != "get":
            raise OxError("SVL-0010", "unsupported action")
        return {"data": {"id": user.get("user_id", 3), "display_name": user["display_name"],
                         "email1": user["email"]}}

    def m_account(self, user, action, params, raw):
        # The primary mail account's default folders (columns 1026-1028):
        # a fixture's user may name them (a recorded account keeps them at
        # the top, as the embedded store does); below INBOX by default.
        return {"data": {"id": 0, "primary_address": user["email"],
                         "sent_fullname": user.get("sent_fullname", "INBOX/Sent"),
                         "trash_fullname": user.get("trash_fullname", "INBOX/Trash"),
                         "drafts_fullname": user.get("drafts_fullname", "INBOX/Drafts")}}

    def m_folders(self, user, action, params, raw):
        gw = self.gw
        cols = columns_of(params)
        if action == "allVisible":
            module = params.get("content_type")
            rows = [row(f, cols, FOLDER_COLUMNS) for f in gw.owned_folders(user, module)]
            return {"data": {"private": rows}, "timestamp": gw.clock}
        if action == "new":
            body = json.loads(raw or b"{}")
            parent = params.get("folder_id", "1")
            if gw.folder(user, parent) is None and parent not in ("1", "default0"):
                raise OxError("FLD-0008", "parent folder not found")
            if gw.name_taken(user, parent, body.get("title", "")):
                raise OxError("FLD-0012", "a folder with that name exists")
            module = body.get("module") or (gw.folder(user, parent) or {}).get("module", "mail")
            if module == "mail":
                fid = "%s/%s" % (parent, body["title"])
            else:
                gw.next_id["folders"] += 1
                fid = str(gw.next_id["folders"])
            gw.folders[fkey_of(user["login"], fid)] = {
                "id": fid, "folder_id": parent, "title": body.get("title", ""), "module": module,
                "owner": user["login"], "type": 1, "standard_folder": False, "standard_folder_type": 0,
                "last_modified": gw.tick()}
            return {"data": fid, "timestamp": gw.clock}
        if action == "update":
            fid = params.get("id")
            f = gw.folder(user, fid)
            if f is None:
                raise OxError("FLD-0008", "folder not found")
            body = json.loads(raw or b"{}")
            target = str(body.get("folder_id", f.get("folder_id")))
            if gw.name_taken(user, target, body.get("title", f["title"]), besides=f):
                raise OxError("FLD-0012", "a folder with that name exists")
            if "title" in body:
                f["title"] = body["title"]
            if "folder_id" in body:
                f["folder_id"] = str(body["folder_id"])
            f["last_modified"] = gw.tick()
            return {"data": fid, "timestamp": gw.clock}
        if action == "delete":
            for fid in json.loads(raw or b"[]"):
                doomed = [fid]
                for x in gw.owned_folders(user):
                    if x.get("folder_id") in doomed:
                        doomed.append(x["id"])
                for d in doomed:
                    gw.folders.pop(fkey_of(user["login"], d), None)
                    for module in ("contacts", "calendar", "tasks"):
                        for oid in [k for k, o in gw.objects[module].items()
                                    if o["_fkey"] == fkey_of(user["login"], d)]:
                            del gw.objects[module][oid]
                    for key in [k for k in gw.mail if k[0] == fkey_of(user["login"], d)]:
                        del gw.mail[key]
            return {"data": [], "timestamp": gw.tick()}
        raise OxError("SVL-0010", "unsupported action " + action)

    def groupware_objects(self, module, user, action, params, raw):
        gw = self.gw
        fields = FIELDS[module]
        cols = columns_of(params)
        folder = params.get("folder")
        if action in ("all", "updates"):
            if gw.folder(user, folder) is None:
                raise OxError("FLD-0008", "folder not found")
            since = int(params.get("timestamp", "0") or 0) if action == "updates" else -1
            key = gw.folder_key(user, folder)
            objs = sorted((o for o in gw.objects[module].values() if o["_fkey"] == key and o["last_modified"] > since),
                          key=lambda o: o["last_modified"])
            data = [row(o, cols, fields) for o in objs]
            if action == "updates" and "deleted" not in params.get("ignore", ""):
                data += [oid for oid, (f, lm) in sorted(gw.deleted[module].items()) if f == key and lm > since]
            return {"data": data, "timestamp": gw.clock}
        if action == "get":
            obj = gw.objects[module].get(params.get("id"))
            if obj is None or obj["_fkey"] != gw.folder_key(user, folder):
                raise OxError("CON-0125" if module == "contacts" else "APP-0059", "object not found")
            return {"data": {k: v for k, v in obj.items() if k != "_fkey"}, "timestamp": obj["last_modified"]}
        if action == "new":
            body = json.loads(raw or b"{}")
            if gw.folder(user, str(body.get("folder_id"))) is None:
                raise OxError("FLD-0008", "folder not found")
            obj = gw.add_object(module, body, gw.folder_key(user, str(body.get("folder_id"))))
            return {"data": {"id": obj["id"]}, "timestamp": obj["last_modified"]}
        if action == "update":
            obj = gw.objects[module].get(params.get("id"))
            if obj is None:
                raise OxError("CON-0125", "object not found")
            if int(params.get("timestamp", "0")) < obj["last_modified"]:
                raise OxError("CON-0170", "The object has been changed in the meantime.")
            body = json.loads(raw or b"{}")
            old_key = obj["_fkey"]
            obj.update({k: v for k, v in body.items() if k not in ("id", "last_modified", "_fkey")})
            obj["folder_id"] = str(obj["folder_id"])
            obj["_fkey"] = gw.folder_key(user, obj["folder_id"])
            if obj["_fkey"] != old_key:
                gw.deleted[module][obj["id"]] = (old_key, gw.clock + 1000)
            obj["last_modified"] = gw.tick()
            return {"data": {}, "timestamp": obj["last_modified"]}
        if action == "delete":
            body = json.loads(raw or b"[]")
            for ref in body if isinstance(body, list) else [body]:
                obj = gw.objects[module].pop(str(ref.get("id")), None)
                if obj is not None:
                    gw.deleted[module][obj["id"]] = (obj["_fkey"], gw.tick())
            return {"data": [], "timestamp": gw.clock}
        if action == "search" and module == "contacts":
            body = json.loads(raw or b"{}")
            pattern = body.get("pattern", "").lower().rstrip("*")
            folders = [str(x) for x in body.get("folder", [6])] if isinstance(body.get("folder"), list) \
                else [str(body.get("folder", 6))]
            hits = [o for o in gw.objects[module].values() if o["_fkey"] in folders and
                    o.get("context") in (None, user["context"]) and any(
                str(o.get(k, "")).lower().startswith(pattern) for k in ("display_name", "first_name", "last_name", "email1"))]
            hits.sort(key=lambda o: o.get("display_name", ""))
            return {"data": [row(o, cols, fields) for o in hits], "timestamp": gw.clock}
        raise OxError("SVL-0010", "unsupported action " + action)

    def m_contacts(self, user, action, params, raw):
        return self.groupware_objects("contacts", user, action, params, raw)

    def m_calendar(self, user, action, params, raw):
        return self.groupware_objects("calendar", user, action, params, raw)

    def m_tasks(self, user, action, params, raw):
        return self.groupware_objects("tasks", user, action, params, raw)

    def m_chronos(self, user, action, params, raw):
        """Only freeBusy: the attendees (by mailto: address, users of the
        asker's context) and the appointments of their calendar folders
        that overlap [from, until) as freeBusyTime with fbType, recurrences
        not expanded."""
        if action != "freeBusy":
            raise OxError("SVL-0010", "unsupported action " + action)
        gw = self.gw
        parse = lambda v: calendar.timegm(time.strptime(v, "%Y%m%dT%H%M%SZ")) * 1000
        start, end = parse(params["from"]), parse(params["until"])
        types = {1: "BUSY", 2: "BUSY-TENTATIVE", 3: "BUSY-UNAVAILABLE", 4: "FREE"}
        out = []
        for attendee in json.loads(raw or b"{}").get("attendees", []):
            address = attendee.get("uri", "").lower().replace("mailto:", "", 1)
            person = next((u for u in gw.users.values()
                           if u["email"].lower() == address and u["context"] == user["context"]), None)
            if person is None:
                out.append({"attendee": attendee, "warnings": [{"code": "CAL-4043", "error": "unknown attendee"}]})
                continue
            folders = {gw.folder_key(person, f["id"]) for f in gw.owned_folders(person, "calendar")
                       if f.get("owner") == person["login"]}
            times = [{"startTime": o["start_date"], "endTime": o["end_date"],
                      "fbType": types.get(o.get("shown_as", 1), "BUSY")}
                     for o in gw.objects["calendar"].values()
                     if o["_fkey"] in folders and o["start_date"] < end and o["end_date"] > start]
            out.append({"attendee": attendee, "freeBusyTime": sorted(times, key=lambda t: t["startTime"])})
        return {"data": out}

    def m_mailfilter(self, user, action, params, raw):
        """Mail filter rules (v1): list, new, update, delete. A rule is kept
        as sent (rulename, active, flags, test, actioncmds) with its id."""
        rules = self.gw.mailfilters.setdefault(user["login"], [])
        body = json.loads(raw or b"{}")
        if action == "list":
            flag = params.get("flag")
            return {"data": [r for r in rules if flag is None or flag in r.get("flags", [])]}
        if action == "new":
            rule = dict(body, id=max([r["id"] for r in rules] + [-1]) + 1)
            rule.setdefault("active", True)
            rules.append(rule)
            self.gw.tick()
            return {"data": rule["id"]}
        if action in ("update", "delete"):
            found = [r for r in rules if r["id"] == body.get("id")]
            if not found:
                raise OxError("MAIL_FILTER-0015", "no rule with that id")
            if action == "delete":
                rules.remove(found[0])
            else:
                found[0].update(body)
            self.gw.tick()
            return {"data": None}
        raise OxError("MAIL_FILTER-0001", "unknown action " + action)

    def m_mail(self, user, action, params, raw):
        gw = self.gw
        folder = params.get("folder", "")
        key_folder = fkey_of(user["login"], folder)
        if action == "all":
            if gw.folder(user, folder) is None:
                raise OxError("MSG-1002", "mail folder not found")
            cols = columns_of(params)
            rows = []
            for (f, mid), m in sorted(gw.mail.items(), key=lambda kv: int(kv[0][1])):
                if f != key_folder:
                    continue
                msg = email.message_from_string(m["raw"])
                obj = {"id": mid, "folder_id": folder, "flags": m["flags"], "received_date": m["received_date"],
                       "subject": msg.get("Subject", ""), "size": len(m["raw"]),
                       "attachment": msg.is_multipart()}
                rows.append(row(obj, cols, MAIL))
            return {"data": rows}
        if action == "get":
            m = gw.mail.get((key_folder, params.get("id")))
            if m is None:
                raise OxError("MSG-0032", "mail not found")
            if params.get("src") == "1":
                return {"data": m["raw"]}
            return {"data": {"id": params.get("id"), "folder_id": folder, "flags": m["flags"]}}
        if action == "update":
            key = (key_folder, params.get("id"))
            if key not in gw.mail:
                raise OxError("MSG-0032", "mail not found")
            body = json.loads(raw or b"{}")
            if "folder_id" in body:
                dest = body["folder_id"]
                if gw.folder(user, dest) is None:
                    raise OxError("MSG-1002", "mail folder not found")
                m = gw.mail.pop(key)
                new_id = gw.add_mail(fkey_of(user["login"], dest), m["raw"], m["flags"])
                return {"data": {"id": new_id, "folder_id": dest}}
            if "flags" in body:
                m = gw.mail[key]
                m["flags"] = (m["flags"] | body["flags"]) if body.get("value", True) else (m["flags"] & ~body["flags"])
            return {"data": {"id": key[1], "folder_id": folder}}
        if action == "delete":
            for ref in json.loads(raw or b"[]"):
                gw.mail.pop((fkey_of(user["login"], ref.get("folder")), str(ref.get("id"))), None)
            return {"data": []}
        if action == "clear":
            for f in json.loads(raw or b"[]"):
                for key in [k for k in gw.mail if k[0] == fkey_of(user["login"], f)]:
                    del gw.mail[key]
            return {"data": []}
        if action == "import":
            if gw.folder(user, folder) is None:
                raise OxError("MSG-1002", "mail folder not found")
            mid = gw.add_mail(key_folder, raw.decode("utf-8", "replace"), int(params.get("flags", "0") or 0))
            return {"data": [{"id": mid, "folder_id": folder}]}
        if action == "new":
            # Send a message given as RFC 822 source: local users get it in
            # their INBOX, the rest is recorded as sent out.
            text = raw.decode("utf-8", "replace")
            msg = email.message_from_string(text)
            rcpts = []
            for header in ("To", "Cc", "Bcc"):
                rcpts += [a for _, a in email.utils.getaddresses(msg.get_all(header, []))]
            if not rcpts:
                raise OxError("MSG-0052", "no recipients")
            local = {u["email"].lower(): u for u in gw.users.values()}
            del msg["Bcc"]
            delivered = msg.as_string()
            for r in rcpts:
                if r.lower() in local:
                    gw.add_mail(inbox_of(gw, local[r.lower()]), delivered)
                else:
                    gw.sent.append({"from": user["email"], "to": r, "subject": msg.get("Subject", "")})
            if params.get("copy2sent", "true") != "false":
                gw.add_mail(sent_of(gw, user), text, SEEN)
            return {"data": "sent"}
        raise OxError("SVL-0010", "unsupported action " + action)

    # --- admin ----------------------------------------------------------------

    def admin(self, what, raw, params=None):
        gw = self.gw
        with gw.lock:
            if what == "state":
                return self.send(200, gw.state())
            if what == "journal":
                return self.send(200, gw.journal[int((params or {}).get("since", 0)):])
            if what == "journal-length":
                return self.send(200, {"length": len(gw.journal)})
            if what == "latency":
                setting = json.loads(raw or b"{}")
                gw.latency[setting.get("user", "*")] = int(setting.get("ms", 0))
                return self.send(200, {"ok": True})
            if what == "faults":
                gw.faults = json.loads(raw or b"{}")
                gw.faults.setdefault("count", 1)
                return self.send(200, {"ok": True})
            if what == "reset":
                gw.reset()
                return self.send(200, {"ok": True})
            if what == "change":
                change = json.loads(raw or b"{}")
                user = next(u for u in gw.users.values() if u["login"] == change.get("user"))
                module, action = change["module"], change["action"]
                if module == "mail" and action == "deliver":
                    mid = gw.add_mail(inbox_of(gw, user), change["raw"])
                    return self.send(200, {"id": mid})
                if action == "new":
                    obj = gw.add_object(module, dict(change["data"], folder_id=change["folder"]),
                                        gw.folder_key(user, change["folder"]))
                    return self.send(200, {"id": obj["id"]})
                if action == "update":
                    obj = gw.objects[module][change["id"]]
                    obj.update(change["data"])
                    obj["last_modified"] = gw.tick()
                    return self.send(200, {"id": obj["id"]})
                if action == "delete":
                    obj = gw.objects[module].pop(change["id"])
                    gw.deleted[module][obj["id"]] = (obj["_fkey"], gw.tick())
                    return self.send(200, {"id": obj["id"]})
        return self.send(404, {"error": "unknown admin request"})


def inbox_of(gw, user):
    return fkey_of(user["login"], "default0/INBOX")


def sent_of(gw, user):
    return fkey_of(user["login"], "default0/INBOX/Sent")


def serve(fixture_path, port=0, port_file=None):
    with open(fixture_path) as f:
        fixture = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.groupware = Groupware(fixture)
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(port_file + ".tmp", port_file)
    print("oxmock listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixture", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()
    serve(args.fixture, args.port, args.port_file)
