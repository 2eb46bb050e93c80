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
from .deps import AdminDep, EngineDep, SettingsDep, protocol_header

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Depends(protocol_header)],
    responses=ERROR_RESPONSES,
)


@router.post("/grids", response_model=GridOut, status_code=201)
def create_grid(
    body: GridCreate, _admin: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    return admin.create_grid(
        engine, settings, body.id, body.name, body.community, body.street, body.district
    )


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserCreate, _admin: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    return admin.create_user(
        engine, settings, body.username, body.role, body.password, body.display_name
    )


@router.post("/users/{username}/grids", response_model=UserGrids)
def assign(username: str, body: GridIds, _admin: AdminDep, engine: EngineDep) -> Any:
    return {"username": username, "grids": admin.assign(engine, username, body.grid_ids)}


@router.delete("/users/{username}/grids", response_model=UserGrids)
def unassign(username: str, body: GridIds, _admin: AdminDep, engine: EngineDep) -> Any:
    return {"username": username, "grids": admin.unassign(engine, username, body.grid_ids)}


@router.post("/devices/{device_id}/revoke", status_code=204)
def revoke_device(
    device_id: str, _admin: AdminDep, engine: EngineDep, settings: SettingsDep
) -> None:
    admin.revoke_device(engine, settings, device_id)


@router.post(
    "/households/{household_id}/move", response_model=MoveResponse, response_model_by_alias=True
)
def move_household(
    household_id: str, body: MoveRequest, caller: AdminDep, engine: EngineDep, settings: SettingsDep
) -> Any:
    return admin.move_household(
        engine, settings, household_id.lower(), body.grid_id, caller.user_id
    )
