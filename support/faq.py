"""The help centre: hotlines and the questions people really ask (domain.md §1.6, §8).

Plain data, translated like any other text; the answers follow the agency's published guidance.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Hotline:
    number: str  # as printed
    tel: str  # for the tel: link
    label: Promise


@dataclass(frozen=True)
class Question:
    slug: str
    question: Promise
    answer: tuple[Promise, ...]  # paragraphs


HOTLINES = (
    Hotline("1900 9068", "19009068", _("Tổng đài hỗ trợ của BHXH Việt Nam, 24/7")),
    Hotline("0243.7223968", "+842437223968", _("BHXH TP Hà Nội – Phòng Quản lý thu")),
    Hotline("0243.72236554", "+8424372236554", _("BHXH TP Hà Nội – Phòng Truyền thông")),
)

FAQ = (
    Question(
        "thieu-thang",
        _("Quá trình tham gia bị thiếu tháng, tôi phải làm gì?"),
        (
            _(
                "Thường do đơn vị chưa báo tăng/giảm hoặc đóng chậm, dữ liệu đang được đồng bộ, "
                "hoặc thông tin cá nhân sai nên chưa ghép được hồ sơ."
            ),
            _(
                "Hãy báo tháng thiếu ngay từ trang Quá trình tham gia, hỏi bộ phận nhân sự của đơn vị, "
                "đến cơ quan BHXH nơi đơn vị đóng với CCCD, hoặc gọi tổng đài 1900 9068."
            ),
        ),
    ),
    Question(
        "quen-mat-khau",
        _("Tôi quên mật khẩu"),
        (
            _(
                "Chọn “Quên mật khẩu” ở trang đăng nhập, nhập mã số BHXH (hoặc số CCCD) và số điện thoại đã đăng ký. "
                "Mã OTP được gửi qua SMS đến số điện thoại đó. Dịch vụ này miễn phí."
            ),
            _("Không cần đến cơ quan BHXH và không ai được thu phí để lấy lại mật khẩu cho bạn."),
        ),
    ),
    Question(
        "khong-nhan-sms",
        _("Tôi không nhận được SMS (mật khẩu hoặc mã OTP)"),
        (
            _(
                "Nguyên nhân thường gặp: số điện thoại đăng ký bị sai; số điện thoại đã được dùng cho một tài khoản khác "
                "(mỗi số chỉ dùng cho một tài khoản); tổng đài tin nhắn đang quá tải."
            ),
            _(
                "Hãy chờ vài phút rồi bấm gửi lại mã. Nếu sau 30 phút vẫn không nhận được, "
                "gửi yêu cầu hỗ trợ hoặc gọi 1900 9068 để kiểm tra số điện thoại trong hồ sơ."
            ),
        ),
    ),
    Question(
        "lua-dao",
        _("Làm sao nhận biết cuộc gọi, tin nhắn lừa đảo?"),
        (
            _(
                "BHXH Việt Nam không bao giờ gọi điện hay nhắn tin yêu cầu cung cấp mật khẩu, mã OTP, "
                "hay yêu cầu “cập nhật CCCD” qua đường link."
            ),
            _(
                "Không cài ứng dụng từ đường link trong tin nhắn; chỉ tải VssID từ App Store hoặc Google Play. "
                "Tổng đài chính thức duy nhất là 1900 9068; cẩn thận với các trang giả danh BHXH quận/huyện."
            ),
        ),
    ),
    Question(
        "mot-thiet-bi",
        _("Vì sao tôi bị đăng xuất khỏi máy khác?"),
        (
            _(
                "Mỗi tài khoản chỉ đăng nhập trên một thiết bị tại một thời điểm: đăng nhập ở máy mới "
                "sẽ kết thúc phiên trên máy cũ. Nếu bạn không tự đăng nhập ở máy khác, hãy đổi mật khẩu ngay."
            ),
        ),
    ),
    Question(
        "the-dien-tu",
        _("Dùng thẻ BHYT điện tử khi đi khám bệnh thế nào? Nếu điện thoại mất mạng thì sao?"),
        (
            _("Mở mục Thẻ BHYT và đưa mã QR cho cơ sở khám chữa bệnh; có thể dùng số CCCD thay cho thẻ."),
            _(
                "Khi không có mạng hoặc ứng dụng lỗi, chỉ cần đọc mã số BHXH hoặc số CCCD: cơ sở khám chữa bệnh "
                "tra cứu trên cổng giám định của BHXH, hoặc ghi nhận và thanh toán sau."
            ),
        ),
    ),
    Question(
        "ma-so-bhxh",
        _("Tôi không nhớ mã số BHXH"),
        (
            _(
                "Mã số BHXH in trên thẻ BHYT và sổ BHXH. Bạn cũng có thể tra cứu không cần đăng nhập "
                "bằng số CCCD, hoặc họ tên, ngày sinh và tỉnh/thành phố."
            ),
        ),
    ),
)
