"""What the live list does not repaint on a busy cluster: the same rows one line further down (a new
allocation above the cursor's line), a scrollbar whose thumb stays put, and a status bar whose counts
move with every event (they are painted at most once a second; a change of state at once)."""

from __future__ import annotations

import pytest
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.screen import Screen
from textual.scrollbar import ScrollBarRender

from nomad_tui.api.feed import Progress
from nomad_tui.api.models import AllocStub
from nomad_tui.state.connection import ConnectionState, Phase
from nomad_tui.state.store import AllocStore
from nomad_tui.state.view import AllocView, SortSpec
from nomad_tui.ui import messages
from nomad_tui.ui.widgets.alloc_table import AllocTable, _merged, _thumb
from nomad_tui.ui.widgets.status_bar import SETTLE, StatusBar

ROWS = 2000


def stub(n: int) -> AllocStub:
    return AllocStub(
        id=f"{n:08x}-0000-0000-0000-000000000000",
        job_id="web",
        task_group="web",
        namespace="default",
        node_name="client-1",
        desired_status="run",
        client_status="running",
        create_index=n,
        modify_index=n,
        create_time=n * 1_000_000_000,
        modify_time=n * 1_000_000_000,
    )


def bar_text(size: int, virtual: int, window: int, position: float) -> list[str]:
    bar = ScrollBarRender.render_bar(size, virtual, window, position)
    return [s.text + str(s.style) for s in bar.segments if isinstance(s, Segment)]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((28, 10_000, 28, 5), (28, 10_001, 28, 6)),  # one more allocation, the view one line down
        ((28, 10_000, 28, 5), (28, 9_999, 28, 5)),
        ((28, 10_000, 28, 5), (28, 10_000, 28, 2_000)),  # scrolled far: the thumb moves
        ((28, 40, 28, 0), (28, 41, 28, 1)),  # a short list: every row moves the thumb
        ((10, 11, 10, 0), (10, 11, 10, 1)),
    ],
)
def test_thumb_geometry_matches_what_textual_draws(
    before: tuple[int, int, int, float], after: tuple[int, int, int, float]
) -> None:
    """Equal thumbs exactly when Textual draws the same bar: a quiet update never hides a move."""
    assert (_thumb(*before) == _thumb(*after)) == (bar_text(*before) == bar_text(*after))


class TableApp(App[None]):
    def __init__(self, view: AllocView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield AllocTable(self.view, clock_ns=lambda: (ROWS + 10) * 1_000_000_000)


async def test_a_new_allocation_above_the_cursor_line_repaints_nothing() -> None:
    store = AllocStore()
    view = AllocView(store, SortSpec("age", descending=True))
    view.apply(store.upsert([stub(n) for n in range(1, ROWS + 1)]))
    app = TableApp(view)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(AllocTable)
        table.focus()
        table.data_changed()
        await pilot.press("j", "j", "j")
        await pilot.pause()
        shown = [table.render_line(y).text for y in range(1, 10)]
        painted: list[int] = []
        original = table.render_line

        def counting(y: int):  # type: ignore[no-untyped-def]
            painted.append(y)
            return original(y)

        table.render_line = counting  # type: ignore[method-assign]
        view.apply(store.upsert([stub(ROWS + 1)]))  # the newest: above the top line
        table.data_changed()
        await pilot.pause()
        await pilot.pause()
        assert table.cursor_id == stub(ROWS - 3).id and int(table.scroll_y) == 1
        assert [line for line in painted if line > 0] == []  # the same rows: nothing repainted
        table.render_line = original  # type: ignore[method-assign]
        assert [table.render_line(y).text for y in range(1, 10)] == shown


async def test_status_bar_counts_wait_for_the_tick_and_a_new_state_does_not() -> None:
    now = [100.0]

    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusBar("http://nomad:4646", None, "*", clock=lambda: now[0])

    app = BarApp()
    async with app.run_test(size=(160, 3)) as pilot:
        bar = app.query_one(StatusBar)
        live = ConnectionState(phase=Phase.LIVE, index=10, last_change=now[0], mode="events")
        bar.update_state(live)
        bar.update_counts(10, 10)
        await pilot.pause()
        assert "10 allocs" in str(bar.text()) and "10 allocs" in bar.painted
        bar.update_counts(11, 11)
        bar.update_state(ConnectionState(phase=Phase.LIVE, index=11, last_change=now[0], mode="events"))
        await pilot.pause()
        assert "10 allocs" in bar.painted and "index 10" in bar.painted  # not yet painted
        now[0] += SETTLE
        bar.tick()
        await pilot.pause()
        assert "11 allocs" in bar.painted and "index 11" in bar.painted
        # A change of state is painted at once, however recent the last paint.
        bar.update_state(ConnectionState.failed(live, _unreachable(), 1, now[0] + 4))
        await pilot.pause()
        assert any("reconnecting" in part for part in bar.painted)


def _unreachable():  # type: ignore[no-untyped-def]
    from nomad_tui.api.errors import Unreachable

    return Unreachable("connection refused")


def test_a_row_is_joined_into_few_segments_and_its_times_stay_apart() -> None:
    from rich.style import Style

    plain, red = Style(), Style(color="red")
    cells = ["a1", " ", "web", " ", "12s", " ", "3s", " ", "run", " ", "failed", "   "]
    styles = [plain, plain, plain, plain, plain, plain, plain, plain, plain, plain, red, plain]
    segments = [Segment(text, style) for text, style in zip(cells, styles, strict=True)]
    joined, slots, used = _merged(segments, [(4, 0, 3, False), (6, 1, 2, False)], 20)
    assert "".join(s.text for s in joined) == "".join(cells) and used == 20
    assert [s.text for s in joined] == ["a1 web ", "12s", " ", "3s", " run ", "failed", "   "]
    assert [(joined[i].text, which) for i, which, _, _ in slots] == [("12s", 0), ("3s", 1)]


async def test_watcher_messages_stop_at_the_screen() -> None:
    """One dispatch per event, not two: nothing above the screen handles what its watchers post."""
    kinds = messages.WatcherMessage.__subclasses__()
    assert {k.__name__ for k in kinds} >= {"AllocFeedItem", "ListConnectionChanged", "AllocDetailFetched"}
    assert [k.__name__ for k in kinds if k.bubble] == []  # Textual sets bubble=True unless told again
    seen: list[str] = []

    class Watched(Screen[None]):
        def on_alloc_feed_item(self, message: messages.AllocFeedItem) -> None:
            seen.append("screen")

    class Above(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Watched())

        def on_alloc_feed_item(self, message: messages.AllocFeedItem) -> None:
            seen.append("app")

    app = Above()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.post_message(messages.AllocFeedItem(Progress(1, None, done=False), 0))
        await pilot.pause()
        await pilot.pause()
    assert seen == ["screen"]


async def test_the_age_tick_repaints_consecutive_lines_as_one_region() -> None:
    store = AllocStore()
    view = AllocView(store, SortSpec("age", descending=True))
    view.apply(store.upsert([stub(n) for n in range(1, ROWS + 1)]))
    now = [(ROWS + 10) * 1_000_000_000]

    class ClockApp(App[None]):
        def compose(self) -> ComposeResult:
            yield AllocTable(view, clock_ns=lambda: now[0])

    app = ClockApp()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(AllocTable)
        table.data_changed()
        await pilot.pause()
        regions: list[Region] = []
        original = table.refresh

        def recording(*args: Region, **kwargs: bool) -> AllocTable:
            regions.extend(args)
            return original(*args, **kwargs)

        table.refresh = recording  # type: ignore[method-assign]
        now[0] += 1_000_000_000  # every row on screen is under a minute old: each age moves
        table.tick()
        lines = table.size.height - 1
        assert regions == [Region(0, 1, table.size.width, lines)]
