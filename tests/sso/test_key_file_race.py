"""Private key files are created once, even by writers racing (several workers starting at
once, or exchange deliveries in parallel): one key wins, every writer reads it, no error."""

from __future__ import annotations

import threading

from dichvucong.sso.keys import write_private_file

WRITERS = 8


def test_writers_racing_to_create_a_key_file_leave_one_whole_key_and_no_debris(tmp_path):
    path = tmp_path / "portal.jwk"
    errors: list[Exception] = []
    barrier = threading.Barrier(WRITERS)

    def write(n: int) -> None:
        barrier.wait()
        try:
            write_private_file(path, f"key-{n}")
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert path.read_text() in {f"key-{n}" for n in range(WRITERS)}
    assert [entry.name for entry in tmp_path.iterdir()] == ["portal.jwk"]
    assert path.stat().st_mode & 0o777 == 0o600
