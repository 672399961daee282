"""The card-check gateway's result codes (maKetQua, domain.md §3.9) and what each says.

Only the codes the register can produce are ever returned (services.check_card, and 101 by the
gateway doors when the database cannot be reached); 130 ("child did not show a card") is listed
so a reader of a gateway answer finds every code here, but never returned: the sources name the
code without saying when the gateway gives it (a child under 6 may be treated on the personal ID
number or the birth certificate, yet whether that check answers 130 instead of 000, and with or
without the card's fields, is not documented), so answering it would be a guess.
"""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

OK: Final = "000"
DEFENCE: Final = "001"
POLICE: Final = "002"
NEW_CARD_OLD_EXPIRED: Final = "003"
NEW_CARD_OLD_VALID: Final = "004"
EXPIRED: Final = "010"
NO_CARD: Final = "050"
WRONG_CODE: Final = "051"
WRONG_PROVINCE: Final = "052"
WRONG_LEVEL: Final = "053"
OFFICER_UNKNOWN: Final = "054"
OFFICER_NAME: Final = "055"
WRONG_NAME: Final = "060"
WRONG_NAME_INITIAL_OK: Final = "061"
WRONG_BIRTH: Final = "070"
DATA_ERROR: Final = "100"
SERVER_ERROR: Final = "101"
WITHDRAWN: Final = "110"
REDUCED: Final = "120"
REDUCED_MOVED_OUT: Final = "121"
REDUCED_MOVED_WITHIN: Final = "122"
REDUCED_READDED: Final = "123"
REDUCED_STOPPED: Final = "124"
CHILD_WITHOUT_CARD: Final = "130"
BAD_PARAMETERS: Final = "205"
AUTHENTICATION: Final = "401"

MEANINGS: Final = {
    OK: _("Thẻ hợp lệ"),
    DEFENCE: _("Thẻ do BHXH Bộ Quốc phòng quản lý"),
    POLICE: _("Thẻ do BHXH Bộ Công an quản lý"),
    NEW_CARD_OLD_EXPIRED: _("Thẻ cũ hết giá trị sử dụng, đã được cấp thẻ mới"),
    NEW_CARD_OLD_VALID: _("Thẻ cũ còn giá trị sử dụng, đã được cấp thẻ mới"),
    EXPIRED: _("Thẻ hết hạn sử dụng"),
    NO_CARD: _("Không có thông tin thẻ"),
    WRONG_CODE: _("Mã thẻ không đúng"),
    WRONG_PROVINCE: _("Mã tỉnh cấp thẻ (ký tự thứ 4, 5 của mã thẻ) không đúng"),
    WRONG_LEVEL: _("Mã quyền lợi (ký tự thứ 3 của mã thẻ) không đúng"),
    OFFICER_UNKNOWN: _("CCCD của cán bộ kiểm tra thẻ chưa được đăng ký"),
    OFFICER_NAME: _("Họ tên cán bộ kiểm tra thẻ không khớp với CCCD"),
    WRONG_NAME: _("Họ tên không đúng"),
    WRONG_NAME_INITIAL_OK: _("Họ tên không đúng (đúng ký tự đầu)"),
    WRONG_BIRTH: _("Ngày sinh không đúng"),
    DATA_ERROR: _("Lỗi dữ liệu"),
    SERVER_ERROR: _("Lỗi máy chủ"),
    WITHDRAWN: _("Thẻ đã bị thu hồi"),
    REDUCED: _("Thẻ đã bị báo giảm"),
    REDUCED_MOVED_OUT: _("Thẻ đã bị báo giảm: chuyển ngoại tỉnh"),
    REDUCED_MOVED_WITHIN: _("Thẻ đã bị báo giảm: chuyển nội tỉnh"),
    REDUCED_READDED: _("Thẻ đã bị báo giảm: tăng lại cùng đơn vị"),
    REDUCED_STOPPED: _("Thẻ đã bị báo giảm: ngừng tham gia"),
    CHILD_WITHOUT_CARD: _("Trẻ em không xuất trình thẻ"),
    BAD_PARAMETERS: _("Tham số gửi lên không hợp lệ"),
    AUTHENTICATION: _("Lỗi xác thực tài khoản"),
}

# Codes after which the holder may be treated on this card (the page colours them green); the
# 003/004 answers point at the newer card, which is the one to use.
USABLE: Final = frozenset({OK, NEW_CARD_OLD_VALID})
# Codes that say nothing of the holder beyond "this did not match": no card fields go with them,
# so a guessed name or date of birth learns nothing (issue: a facility sees only what the check returns).
NO_DETAILS: Final = frozenset(
    {
        NO_CARD,
        WRONG_CODE,
        WRONG_PROVINCE,
        WRONG_LEVEL,
        OFFICER_UNKNOWN,
        OFFICER_NAME,
        WRONG_NAME,
        WRONG_NAME_INITIAL_OK,
        WRONG_BIRTH,
        # The record is inconsistent: nothing of it is shown until it is put right.
        DATA_ERROR,
    }
)


def meaning(code: str) -> str:
    return str(MEANINGS.get(code, ""))
