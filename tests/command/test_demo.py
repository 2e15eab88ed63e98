import io

from command import demo
from command.models import PatrolLast, PatrolPosition
from command.selectors import active_last_positions


def test_the_demo_walks_some_workers_inside_their_grids_deterministically(tree):
    out = io.StringIO()
    demo.load(district=tree.district, seed=7, stdout=out)
    assert out.getvalue().startswith("Patrols: 2 grid workers")  # the tree has two grid workers
    points = list(
        PatrolPosition.objects.order_by("user_id", "recorded_at").values_list("user_id", "lat", "lon")
    )
    assert len(points) >= 240 and PatrolLast.objects.count() == 2
    assert PatrolPosition.objects.filter(inside=True).count() == len(points)
    PatrolPosition.objects.all().delete()
    PatrolLast.objects.all().delete()
    demo.load(district=tree.district, seed=7, stdout=io.StringIO())
    again = list(
        PatrolPosition.objects.order_by("user_id", "recorded_at").values_list("user_id", "lat", "lon")
    )
    assert again == points
    assert len(active_last_positions(tree.users["centre"])) >= 1


def test_the_first_grids_worker_walks_for_the_demo_login(tree):
    demo.build(district=tree.district, seed=7, workers=1)
    walker = PatrolLast.objects.get()
    assert walker.user == tree.users["worker"]  # the worker of tree.grids[0], the first grid
