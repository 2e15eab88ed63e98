import io

from notices import demo
from notices.models import Notice, NoticeReceipt


def test_it_publishes_a_few_notices_with_receipts(tree):
    out = io.StringIO()
    demo.load(district=tree.district, seed=1, stdout=out)
    assert Notice.objects.count() == 4
    assert {n.sending_unit.level for n in Notice.objects.all()} == {"district", "street", "community"}
    assert NoticeReceipt.objects.exists()
    assert "Notices: 4" in out.getvalue()
