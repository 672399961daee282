"""The app shell: each role lands where it works, and sees only its own menu."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from enrollment.tests.web_support import login
from vssid import nav

pytestmark = pytest.mark.django_db


def links(html: str) -> set[str]:
    return set(re.findall(r'href="(/[^"]*)"', html))


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("0198765432", "/tai-khoan/"),
        ("canbo.dongda", "/staff/"),
        ("nhansu.demo", "/don-vi/"),
        ("lanhdao.hanoi", "/chien-dich/"),
        ("bachmai.tiepdon", "/kiem-tra-the/"),
    ],
)
def test_each_role_lands_where_it_works(client: Client, username: str, landing: str) -> None:
    response = login(client, username)
    assert response.status_code == 302 and response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_an_unknown_role_lands_on_the_landing_page() -> None:
    assert nav.landing_url("someone-new") == "/"


def test_a_visitor_gets_the_four_tabs_and_clear_login_and_register_buttons(client: Client) -> None:
    html = client.get("/").content.decode()
    tabs = html[html.index('<nav class="tabs"') : html.index("</nav>", html.index('<nav class="tabs"'))]
    assert re.findall(r"<span>([^<]+)</span></a>", tabs) == ["Cá nhân", "Dịch vụ công", "Tra cứu", "Hỗ trợ"]
    assert 'class="button primary" href="/dang-nhap/"' in html and 'class="button secondary" href="/dang-ky/"' in html
    assert "/dang-ky/" in links(client.get("/dich-vu-cong/").content.decode())


def test_a_logged_in_citizen_sees_no_registration_links(client: Client) -> None:
    login(client, "0198765432")
    for path in ("/", "/tai-khoan/", "/dich-vu-cong/", "/ca-nhan/the-bhyt/", "/tra-cuu/"):
        html = client.get(path).content.decode()
        assert not {"/dang-ky/", "/tra-cuu-ho-so/", "/dang-nhap/"} & links(html), path
    services = client.get("/dich-vu-cong/").content.decode()
    assert "/ca-nhan/phan-anh/" in services and "/ca-nhan/uoc-tinh/" in services


def test_staff_menus_carry_no_citizen_links(client: Client) -> None:
    login(client, "canbo.dongda")
    html = client.get("/staff/").content.decode()
    menu = html[html.index('<nav class="menu"') : html.index("</nav>", html.index('<nav class="menu"'))]
    assert 'href="/staff/" aria-current="page"' in menu and "/chien-dich/" in menu
    assert '<nav class="tabs"' not in html
    assert not any(link.startswith(("/ca-nhan/", "/tai-khoan/", "/dang-ky/")) for link in links(html))


def test_a_link_to_a_page_not_in_the_project_is_left_out(monkeypatch: pytest.MonkeyPatch, client: Client) -> None:
    monkeypatch.setitem(nav.MENUS, "staff", [*nav.MENUS["staff"], nav.Link("counter:no_such_page", "Trang chưa có")])
    login(client, "canbo.dongda")
    response = client.get("/staff/")
    assert response.status_code == 200 and "Trang chưa có" not in response.content.decode()
