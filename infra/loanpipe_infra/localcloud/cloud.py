"""``loanpipe local up``: the whole template running on this machine."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from loanpipe_infra.localcloud.auth import JwksCache, create_staff_user, issue_token
from loanpipe_infra.localcloud.console import ConsoleFiles, ConsoleSite, content_security_policy, local_console_config
from loanpipe_infra.localcloud.devca import DevCertificateAuthority, install_dev_ca
from loanpipe_infra.localcloud.faults import ENV as FAULTS_ENV
from loanpipe_infra.localcloud.gateway import HttpApiGateway
from loanpipe_infra.localcloud.meter import TrafficMeter
from loanpipe_infra.localcloud.pollers import QueuePoller, wait_until_idle
from loanpipe_infra.localcloud.provision import Provisioner
from loanpipe_infra.localcloud.runtime import FunctionPool
from loanpipe_infra.localcloud.schedules import ScheduleTimer
from loanpipe_infra.localcloud.specs import ACCOUNT_ID, REGION, STACK_NAME, ProvisionedStack
from loanpipe_infra.localcloud.tsa import LocalTsaServer, TimeStampAuthority

log = logging.getLogger(__name__)

LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S105 - moto's fixed local credentials
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def project_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "template.yaml").exists():
            return parent
    raise FileNotFoundError("template.yaml not found above " + str(here))


@dataclass
class LocalCloudState:
    """What other processes (``loanpipe token``, the AWS CLI, tests) need to reach a running cloud."""

    endpoint_url: str
    api_url: str
    user_pool_id: str
    user_pool_client_id: str
    region: str
    resources: dict[str, Any]
    pid: int
    console_url: str | None = None  # the back-office console (console/), when the cloud serves it
    console_client_id: str | None = None
    signing_root_pem: str | None = None  # the development CA's root: the trust root of contracts sealed here
    tsa_url: str | None = None           # the local RFC 3161 TSA the contract seal timestamps with

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, indent=2, default=str))

    @classmethod
    def read(cls, path: Path) -> LocalCloudState:
        if not path.exists():
            raise FileNotFoundError(f"no local cloud is running ({path} is missing): run `loanpipe local up`")
        return cls(**json.loads(path.read_text()))

    def session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=self.region,
        )

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint_url)

    def token(self, role: str, user: str, phone: str | None = None) -> str:
        return issue_token(self.client("cognito-idp"), self.user_pool_id, self.user_pool_client_id, user, role, phone)

    def staff_user(self, role: str, user: str, password: str | None = None) -> str:
        """A staff user who signs in to the console with a password; returns the password."""
        return create_staff_user(self.client("cognito-idp"), self.user_pool_id, user, role, password)


class LocalCloud:
    def __init__(
        self,
        root: Path | None = None,
        *,
        moto_port: int = 0,
        api_port: int = 0,
        concurrency: int | None = None,
        retry_delay: float | None = None,  # None: a failed message returns after its VisibilityTimeout
        parameter_overrides: dict[str, str] | None = None,
        state_dir: Path | None = None,
        warm: bool = True,
        stack_name: str = STACK_NAME,
        console_port: int | None = 0,
        faults: dict | None = None,
    ):
        self.root = root or project_root()
        self.state_dir = state_dir or self.root / ".loanpipe"
        self._moto_port = moto_port
        self._api_port = api_port
        self._concurrency = concurrency or int(os.environ.get("LOANPIPE_LOCAL_CONCURRENCY", "2"))
        self._retry_delay = retry_delay
        self._overrides = parameter_overrides or {}
        self._warm = warm
        self._stack_name = stack_name
        self._console_port = console_port  # None: the console is not served
        self._faults = faults  # chaos: localcloud.faults configuration for the functions it names
        self.console: ConsoleSite | None = None
        self._moto = None
        self.stack: ProvisionedStack | None = None
        self.pools: dict[str, FunctionPool] = {}
        self.pollers: list[QueuePoller] = []
        self.schedules: list[ScheduleTimer] = []  # the template's Schedule events (EventBridge's stand-in)
        self.gateways: dict[str, HttpApiGateway] = {}
        self.state: LocalCloudState | None = None
        self.signing_ca: DevCertificateAuthority | None = None
        self.tsa: LocalTsaServer | None = None
        self.meter = TrafficMeter()  # every AWS call served, by caller and operation (benchmarks read it)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> LocalCloudState:
        session, endpoint = self._start_moto()
        self.stack = Provisioner(session, endpoint, self.root / "template.yaml", self._overrides,
                                 stack_name=self._stack_name).provision()
        # The pollers' calls are Lambda's event-source mappings' (billed SQS requests on AWS): named as such.
        self._sqs = session.client("sqs", endpoint_url=endpoint,
                                   config=Config(user_agent_appid="EventSourceMapping"))
        self.signing_ca = self._install_dev_ca(session, endpoint)
        self._wire_functions(endpoint)
        if self._warm:
            for pool in self.pools.values():
                pool.warm()
        for poller in self.pollers:
            poller.start()
        for timer in self.schedules:
            timer.start()
        for gateway in self.gateways.values():
            gateway.start()
        self.state = self._describe(endpoint)
        if self._console_port is not None:
            self._serve_console()
        self.state.write(self.state_dir / "local.json")
        return self.state

    def _start_moto(self) -> tuple[boto3.Session, str]:
        from moto.server import ThreadedMotoServer

        from loanpipe_infra.localcloud.motofix import fix_moto
        from loanpipe_infra.localcloud.s3events import add_version_ids

        fix_moto()  # moto's cancelled transactions roll back other requests' writes (motofix)
        add_version_ids()  # notifications of the versioned uploads bucket name their version, as on AWS
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self._moto_port, verbose=False)
        self._moto.start()
        server = self._moto._server  # moto's werkzeug server: each request calls its .app, here through the meter
        server.app = self.meter.wrap(server.app)
        host, port = self._moto.get_host_and_port()
        session = boto3.Session(
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=LOCAL_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=REGION,
        )
        return session, f"http://{host}:{port}"

    def _install_dev_ca(self, session: boto3.Session, endpoint: str) -> DevCertificateAuthority | None:
        """The development CA for the contract seal: the function that seals names the KMS key and the chain
        secret in its environment; the CA certifies that key and writes the chain into that secret. When the
        template names no TSA, a local one (certified by the same CA) serves the function."""
        from loanpipe.entry.settings import ContractSettings

        assert self.stack is not None
        for spec in self.stack.functions.values():
            key_id = spec.environment.get("CONTRACT_SIGNING_KEY_ID")
            secret_id = spec.environment.get("CONTRACT_SIGNING_CHAIN_SECRET")
            if key_id and secret_id:
                lender = spec.environment.get("LENDER_NAME") or ContractSettings.model_fields["lender_name"].default
                authority = install_dev_ca(session.client("kms", endpoint_url=endpoint),
                                           session.client("secretsmanager", endpoint_url=endpoint),
                                           key_id, secret_id, lender)
                self.state_dir.mkdir(parents=True, exist_ok=True)
                (self.state_dir / "dev-root.pem").write_bytes(authority.root_pem)
                if not spec.environment.get("CONTRACT_TSA_URL"):  # no TSA named: the local one, same root
                    self.tsa = LocalTsaServer(TimeStampAuthority(*authority.issue_tsa(lender)))
                    spec.environment["CONTRACT_TSA_URL"] = self.tsa.start()
                return authority
        return None

    def _wire_functions(self, endpoint: str) -> None:
        """A worker pool per function, a poller per SQS event source, a gateway per HTTP API."""
        assert self.stack is not None
        log_dir = self.state_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        base_env = {**LOCAL_CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "POWERTOOLS_TRACE_DISABLED": "true",
                    "LOANPIPE_LOCAL": "1"}
        for logical_id, spec in self.stack.functions.items():
            concurrency = min(
                filter(None, [self._concurrency, spec.reserved_concurrency,
                              *[s.maximum_concurrency for s in spec.sqs_sources]])
            )
            env = base_env
            if self._faults and logical_id in self._faults.get("functions", []):
                env = {**base_env, FAULTS_ENV: json.dumps(self._faults)}
            self.pools[logical_id] = FunctionPool(spec, env, log_dir, concurrency)
        for logical_id, spec in self.stack.functions.items():
            for source in spec.sqs_sources:
                self.pollers.append(QueuePoller(self._sqs, self.pools[logical_id], source,
                                                retry_delay=self._retry_delay))
            self.schedules.extend(ScheduleTimer(self.pools[logical_id], s) for s in spec.schedules)
        jwks = JwksCache(endpoint)
        for api_id, api in self.stack.apis.items():
            routes = [
                (route, self.pools[logical_id])
                for logical_id, spec in self.stack.functions.items()
                for route in spec.routes
                if route.api_logical_id == api_id
            ]
            self.gateways[api_id] = HttpApiGateway(api, routes, jwks, port=self._api_port)

    def _serve_console(self) -> None:
        """console/ on localhost with a config.json pointing at this cloud (CloudFront's stand-in)."""
        assert self.state is not None
        state = self.state
        config = local_console_config(state.api_url, state.endpoint_url, state.region, state.user_pool_id,
                                      state.console_client_id or state.user_pool_client_id)
        csp = content_security_policy(state.api_url, state.endpoint_url)
        self.console = ConsoleSite(ConsoleFiles(self.root / "console", config, csp), port=self._console_port or 0)
        self.console.start()
        state.console_url = self.console.url

    def _describe(self, endpoint: str) -> LocalCloudState:
        assert self.stack is not None
        resources = self.stack.resources
        console_client = resources.get("ConsoleUserPoolClient")
        return LocalCloudState(
            endpoint_url=endpoint,
            api_url=next(iter(self.gateways.values())).base_url,
            user_pool_id=next(r["Ref"] for r in resources.values() if r["Type"] == "AWS::Cognito::UserPool"),
            user_pool_client_id=resources["UserPoolClient"]["Ref"],  # the field app's; tokens of `loanpipe token`
            console_client_id=console_client["Ref"] if console_client else None,
            region=REGION,
            resources={k: {"Type": v["Type"], "Ref": v.get("Ref")} for k, v in resources.items()},
            pid=os.getpid(),
            signing_root_pem=self.signing_ca.root_pem.decode("ascii") if self.signing_ca else None,
            tsa_url=self.tsa.url if self.tsa else None,
        )

    def schedule(self, logical_id: str) -> ScheduleTimer:
        """The schedule of a function (its ``fire()`` runs it now, as an operator or a test does)."""
        [timer] = [t for t in self.schedules if t.pool.spec.logical_id == logical_id]
        return timer

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()
        for timer in self.schedules:
            timer.stop()
        for gateway in self.gateways.values():
            gateway.stop()
        if self.console is not None:
            self.console.stop()
        for pool in self.pools.values():
            pool.close()
        if self.tsa is not None:
            self.tsa.stop()
        if self._moto is not None:
            self._moto.stop()
        state_file = self.state_dir / "local.json"
        if self.state and state_file.exists():
            try:
                if json.loads(state_file.read_text()).get("pid") == os.getpid():
                    state_file.unlink()
            except (OSError, json.JSONDecodeError):
                pass

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers for the demo and tests
    def client(self, service: str) -> Any:
        assert self.state is not None
        return self.state.client(service)

    def token(self, role: str, user: str) -> str:
        assert self.state is not None
        return self.state.token(role, user)

    def staff_user(self, role: str, user: str, password: str | None = None) -> str:
        assert self.state is not None
        return self.state.staff_user(role, user, password)

    def back_test_token(self, officer: str) -> str:
        """A token of an officer who is also an admin: only such a user replays applications as of their
        recorded capture time (``loanpipe demo --input``, the benchmarks)."""
        self.token("admin", officer)
        return self.token("field_officer", officer)  # the user is now in both groups

    def verify_contract(self, pdf: bytes):
        """``loanpipe.contracts.verify.verify_contract`` with this local cloud's development root as trust root."""
        from loanpipe.contracts.verify import verify_contract

        assert self.state is not None and self.state.signing_root_pem, "the local cloud has no signing CA"
        return verify_contract(pdf, [self.state.signing_root_pem.encode("ascii")])

    def sms_outbox(self) -> list[tuple[str, str]]:
        """The text messages the functions sent through SNS (the local cloud's phone network): (number, text),
        oldest first. moto keeps them in this process, where its server runs."""
        from moto.sns.models import sns_backends

        return list(sns_backends[ACCOUNT_ID][REGION].sms_messages.values())

    def wait_idle(self, timeout: float = 120.0) -> bool:
        return wait_until_idle(self._sqs, self.pollers, timeout)

    def queue_url(self, logical_id: str) -> str:
        assert self.stack is not None
        return self.stack.ref(logical_id)
