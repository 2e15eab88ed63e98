from tasks.forms import fields_from_lines


def test_it_reads_field_types_by_their_chinese_names_as_by_their_keys():
    chinese = fields_from_lines("燃气表位置; 单选; 必填; 厨房，阳台\n检查日期；日期")
    keys = fields_from_lines("燃气表位置; single; required; 厨房, 阳台\n检查日期; date")
    assert chinese == keys
    assert [f["datatype"] for f in chinese] == ["singlevaluelist", "date"]
    assert chinese[0]["required"] and [v["name"] for v in chinese[0]["values"]] == ["厨房", "阳台"]
