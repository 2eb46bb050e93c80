"""Admin endpoints: grids, users, assignments, devices, household moves (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from .. import admin
from ..schemas import (
    ERROR_RESPONSES,
    GridCreate,
    GridIds,
    GridOut,
    MoveRequest,
    MoveResponse,
    UserCreate,
    UserGrids,
    UserOut,
)
from .audit_routes import AdminTrail
from .deps import AdminDep, EngineDep, SettingsDep, protocol_header

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(protocol_header)],
    responses=ERROR_RESPONSES,
)


@router.post("/grids", response_model=GridOut, status_code=201)
def create_grid(
    body: GridCreate, _admin: AdminDep, engine: EngineDep, settings: SettingsDep, trail: AdminTrail
) -> Any:
    grid = admin.create_grid(
        engine, settings, body.id, body.name, body.community, body.street, body.district
    )
    trail.record("create_grid", body.id)
    return grid


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreate, _admin: AdminDep, engine: EngineDep, settings: SettingsDep, trail: AdminTrail
) -> Any:
    user = admin.create_user(
        engine, settings, body.username, body.role, body.password, body.display_name
    )
    trail.record("create_user", body.username, detail={"role": body.role})
    return user


@router.post("/users/{username}/grids", response_model=UserGrids)
def assign(
    username: str, body: GridIds, _admin: AdminDep, engine: EngineDep, trail: AdminTrail
) -> Any:
    grids = admin.assign(engine, username, body.grid_ids)
    trail.record("assign", username, detail={"grids": body.grid_ids})
    return {"username": username, "grids": grids}


@router.delete("/users/{username}/grids", response_model=UserGrids)
def unassign(
    username: str, body: GridIds, _admin: AdminDep, engine: EngineDep, trail: AdminTrail
) -> Any:
    grids = admin.unassign(engine, username, body.grid_ids)
    trail.record("unassign", username, detail={"grids": body.grid_ids})
    return {"username": username, "grids": grids}


@router.post("/devices/{device_id}/revoke", status_code=204)
def revoke_device(
    device_id: str, _admin: AdminDep, engine: EngineDep, settings: SettingsDep, trail: AdminTrail
) -> None:
    admin.revoke_device(engine, settings, device_id)
    trail.record("revoke_device", device_id.lower())


@router.post(
    "/households/{household_id}/move", response_model=MoveResponse, response_model_by_alias=True
)
def move_household(
    household_id: str,
    body: MoveRequest,
    caller: AdminDep,
    engine: EngineDep,
    settings: SettingsDep,
    trail: AdminTrail,
) -> Any:
    moved = admin.move_household(
        engine, settings, household_id.lower(), body.grid_id, caller.user_id
    )
    rows = sum(moved["moved"].values())
    trail.record("move_household", body.grid_id, rows, {"household": household_id.lower()})
    return moved
