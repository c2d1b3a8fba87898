"""irctest controller for salond: a fresh salond with a temporary data dir for every test.

Used by scripts/irctest.sh (pytest's --controller salon_irctest); SALOND_PATH names the binary.
Accounts are made with `salond user add`, as an administrator would. Not supported: a server
password, TLS, services. WebSocket tests get salond's HTTP port, where IRC clients offering the
IRCv3 subprotocols speak IRC.
"""
import atexit
import os
import subprocess
from typing import Optional, Set, Type

from irctest.basecontrollers import BaseServerController, DirectoryBasedController
from irctest.runner import NotImplementedByController
from irctest.specifications import OptionalBehaviors
from irctest.specifications import OptionalBehaviors

SALOND = os.environ.get("SALOND_PATH", "salond")
# irctest sends its commands as fast as it can: lift the per-connection and creation rates.
# SALOND_FLAGS replaces these (an older salond may not know every flag).
FLAGS = os.environ.get(
    "SALOND_FLAGS",
    "--log-level warn --messages-per-second 100000 --message-burst 100000 "
    "--channel-creation-burst 100000 --failed-logins-per-minute 100000",
).split()


# Every salond this controller started. irctest stops a server in its test's teardown, which a
# test that fails in setUp never reaches: what is still running when pytest exits is stopped here.
_started: "list[subprocess.Popen]" = []


@atexit.register
def _stop_leftovers() -> None:
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class SalonController(BaseServerController, DirectoryBasedController):
    software_name = "Salon"
    supported_sasl_mechanisms: Set[str] = {"PLAIN"}
    supports_sts = False
    # What salond does of irctest's optional behaviours: a test that finds one missing fails.
    optional_behaviors = frozenset(
        (
            OptionalBehaviors.ELIST_M,
            OptionalBehaviors.ELIST_N,
            OptionalBehaviors.ELIST_U,
            OptionalBehaviors.INVITE_EXCEPTION_MODE,
            OptionalBehaviors.MULTI_JOIN,
            OptionalBehaviors.MULTI_KICK,
            OptionalBehaviors.MULTI_NAMES_COMMAND,
        )
    )

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        if password is not None:
            raise NotImplementedByController("PASS")
        if ssl:
            raise NotImplementedByController("TLS")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        assert self.directory
        self.data_dir = self.directory / "data"
        # The operator irctest's tests OPER as: an administrator account (docs/irc.md).
        self.add_account("operuser", "operpassword", admin=True)
        # irctest hands out 0.0.0.0; its clients reach a loopback listener through it all the same.
        self.proc = self.execute(
            [SALOND, "--bind", "127.0.0.1", "--irc-port", str(port), "--port", "0",
             # IRC over WebSocket (IRCv3 subprotocols) is served on the HTTP port.
             "--http-port", str(websocket_port or 0), "--data-dir", self.data_dir,
             "--server-name", "My.Little.Server", "--server-description", "test server",
             *FLAGS]
        )
        _started.append(self.proc)

    def registerUser(self, case, username: str, password: Optional[str] = None) -> None:
        if password is None:
            raise NotImplementedByController("accounts without a password")
        self.add_account(username, password)

    def add_account(self, username: str, password: str, admin: bool = False) -> None:
        subprocess.run(
            [SALOND, "user", "add", username, "--data-dir", str(self.data_dir)]
            + (["--admin"] if admin else []),
            input=(password + "\n").encode(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def get_irctest_controller_class() -> Type[SalonController]:
    return SalonController
