"""Loads the generated demo site into the database through the ordinary import services, with demo logins."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.demo_data import generate_demo, write_demo
from web import imports, models
from web.auth import create_user, new_password

LOGINS_FILE = "demo-logins.txt"


@dataclass(frozen=True)
class DemoLogin:
    login: str
    password: str
    role: str

    def __str__(self) -> str:
        return f"login={self.login} password={self.password} role={self.role}"


def load_demo(session: Session, instance: Path, size: str = "large", seed: int = 2026) -> list[DemoLogin]:
    """Generate the demo files into the instance folder, import them and create one login per role and agent."""
    demo = generate_demo(size, seed=seed)
    paths = write_demo(demo, instance / "demo")
    site = imports.import_site(session, paths["site.toml"])
    for kind in ("history", "events", "agents", "absences"):
        service = getattr(imports, f"import_{kind}")
        service(session, site.slug, paths[f"{kind}.csv"])
    agents = session.scalars(select(models.Agent).where(models.Agent.site_id == site.id)
                             .order_by(models.Agent.agent_id)).all()
    logins = [DemoLogin("admin", new_password(), "admin"), DemoLogin("lead", new_password(), "lead"),
              DemoLogin("planner", new_password(), "planner"), DemoLogin("council", new_password(), "council"),
              DemoLogin("agent", new_password(), "agent")]
    names = {"admin": "Admin", "lead": "Teamleitung", "planner": "Planung", "council": "Betriebsrat"}
    for demo_login in logins:
        agent_pk = agents[0].id if demo_login.role == "agent" and agents else None
        display = agents[0].name if agent_pk else names[demo_login.role]
        teams = {a.team for a in agents} if demo_login.role == "lead" else ()
        create_user(session, demo_login.login, demo_login.role, demo_login.password, display_name=display,
                    site_id=site.id, agent_pk=agent_pk, teams=teams)
    for agent in agents:
        demo_login = DemoLogin(agent.agent_id.lower(), new_password(), "agent")
        create_user(session, demo_login.login, "agent", demo_login.password, display_name=agent.name,
                    site_id=site.id, agent_pk=agent.id)
        logins.append(demo_login)
    save_logins(instance, logins)
    return logins


def save_logins(instance: Path, logins: list[DemoLogin]) -> None:
    """Keep the generated passwords (readable by the owner only) so later `make run`s can print them."""
    path = instance / LOGINS_FILE
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.writelines(f"{login}\n" for login in logins)


def saved_logins(instance: Path) -> list[str]:
    path = instance / LOGINS_FILE
    return path.read_text().splitlines() if path.exists() else []
