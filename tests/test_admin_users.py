"""Admin user management page: renders, creates users, reports a taken username on the form."""

def test_admin_users_page_renders_and_creates(client, users, login):
    """Does the admin users page render and create the treasurer "kasir2" (302), listed on the page afterwards,
    who can then log in with the password given and reach the cash desk?"""
    login(users["admin"])
    assert client.get("/admin/users").status_code == 200
    r = client.post("/admin/users", data={"username": "kasir2", "full_name": "Kasir Dua", "role": "treasurer", "password": "rahasia-123"})
    assert r.status_code == 302
    assert "Kasir Dua" in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    r = client.post("/login", data={"username": "kasir2", "password": "rahasia-123"})
    assert r.status_code == 302
    assert client.get("/cashdesk/").status_code == 200


def test_admin_user_form_reports_taken_username(client, users, login):
    """Does creating a user with a taken username re-show the form (200) with "sudah dipakai"?"""
    login(users["admin"])
    r = client.post("/admin/users", data={"username": users["treasurer"].username, "full_name": "X",
                                          "role": "treasurer", "password": "rahasia-123"})
    assert r.status_code == 200
    assert "sudah dipakai" in r.get_data(as_text=True)
