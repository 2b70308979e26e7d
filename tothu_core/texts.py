"""Vietnamese sentences the core produces (validation problems, figure reasons).

Kept together so the wording can be reviewed by the office in one place.
"""

MISSING_TAB = "Không tìm thấy trang «{tab}». Các trang đang có: {found}."
MISSING_HEADERS = (
    "Trang «{title}» thiếu cột bắt buộc: {missing}. "
    "Các cột tìm thấy ở dòng tiêu đề gần đúng nhất (dòng {row}): {found}."
)
NO_HEADER_ROW = (
    "Trang «{title}» trống hoặc không có dòng tiêu đề nào với các cột bắt buộc: {missing}."
)

MISSING_VALUE = "Thiếu giá trị bắt buộc ở cột «{column}»."
BAD_VALUE = {
    "date": "Ngày «{value}» không đọc được. Hãy ghi ngày/tháng/năm, ví dụ 26/09/2016.",
    "datetime": "Thời điểm «{value}» không đọc được. Hãy ghi dạng 26/09/2016 08:30.",
    "month": "Tháng «{value}» không đọc được. Hãy ghi dạng 09/2016.",
    "bool": "«{value}» không phải Có/Không. Hãy ghi Có hoặc Không (hoặc x / để trống).",
    "int": "«{value}» không phải số nguyên không âm. Hãy ghi số, ví dụ 45.",
    "float": "«{value}» không phải số. Tọa độ ghi dạng 10.2345.",
}
DUPLICATE_ID = "Mã «{value}» bị trùng với dòng {first_row}; chỉ dòng {first_row} được tính."
UNKNOWN_HAMLET = "Ấp «{value}» không có trong trang Ấp (hoặc dòng của ấp đó đang lỗi)."
UNKNOWN_GROUP = "Mã tổ «{value}» không có trong trang Tổ (hoặc dòng của tổ đó đang lỗi)."
UNKNOWN_CADRE = (
    "Mã cán bộ «{value}» không có trong trang Cán bộ (hoặc dòng của cán bộ đó đang lỗi)."
)
HOUSEHOLDS_NOT_POSITIVE = "Số hộ phải lớn hơn 0."
END_BEFORE_START = "Đến ngày ({end}) trước Từ ngày ({start})."
PRESENT_WITHOUT_DATE = "Có ngày họp nhưng thiếu Số hộ dự."
PRESENT_ABOVE_HOUSEHOLDS = "Số hộ dự ({present}) lớn hơn số hộ của tổ ({households})."
MEETING_OUTSIDE_MONTH = "Ngày họp {date} không nằm trong tháng báo cáo {month}."

UNKNOWN_RATING = (
    "Xếp loại «{value}» không thuộc Tốt, Khá, Trung bình, Yếu; tạm coi như chưa xếp loại."
)
UNKNOWN_ROLE = "Vai trò «{value}» không thuộc Lãnh đạo, Cán bộ, Quản trị; tạm coi là Cán bộ."
FORMULA_LIKE = (
    "Ô bắt đầu bằng «{first}» có thể bị Excel hiểu là công thức; "
    "chương trình giữ nguyên là chữ, nhưng nên sửa lại."
)
PRESENT_WITHOUT_MEETING = (
    "Có Số hộ dự nhưng không có Ngày họp: coi như tổ không sinh hoạt tháng này."
)
GROUP_UNASSIGNED = "Tổ {group} chưa có cán bộ phụ trách trong {count} tháng: {months}."
CADRE_OVERLOADED = (
    "Cán bộ {cadre} phụ trách {most} tổ (nhiều hơn {limit}) trong {count} tháng: {months}."
)
ENTRY_NOT_ASSIGNED = "Cán bộ {cadre} không được phân công tổ {group} trong tháng {month}."

# Reasons a group needs attention (the `Lý do` column of the attention table). They are
# joined by "; " in lower case, as one sentence; the first word gets its capital there.
# Counts of months are written with two digits, as the committee's own texts do ("02 tháng").
REASON_WEAK = "xếp loại Yếu"
REASON_LOW_ATTENDANCE = "tỷ lệ hộ dự {pct} (dưới 50\u00a0%)"
REASON_NO_MEETING = "không sinh hoạt 02 tháng liền"
REASON_CADRE_ABSENT = "cán bộ phụ trách vắng 02 tháng liền"
REASON_SEPARATOR = "; "

# The "tab" of a problem about the spreadsheet as a whole (its locale, say).
WHOLE_BOOK = "Cả bảng tính"
FORMULA_ERROR = (
    "Ô {cell} có giá trị lỗi của công thức «{value}». Hãy sửa công thức hoặc gõ lại giá trị ở ô đó."
)
DUPLICATE_TABS = (
    "Có {count} trang cùng ứng với trang «{tab}»: {titles}. Chương trình đọc và ghi vào "
    "trang «{used}»; hãy đổi tên hoặc xóa các trang còn lại để khỏi nhầm."
)
HIDDEN_TAB = (
    "Trang «{title}» (trang «{tab}» của chương trình) đang bị ẩn; chương trình vẫn đọc và ghi "
    "vào trang này. Hãy bỏ ẩn trang (nhấp chuột phải vào tên trang → Hiện trang) để mọi "
    "người cùng thấy."
)
LOCALE_MONTH_FIRST = (
    "Bảng tính đang đặt vùng «{locale}», nơi ngày được viết tháng trước: Google đã đổi một "
    "ngày gõ 05/03/2017 thành ngày 3 tháng 5 trước khi chương trình đọc được. Hãy vào Tệp → "
    "Cài đặt (File → Settings), chọn Vùng «Việt Nam», rồi soát lại các ngày đã gõ."
)

# Writing the monthly entries (every backend).
WRITE_NO_HEADER = (
    "Chưa ghi được vào trang «{title}»: không tìm thấy dòng tiêu đề có đủ các cột {missing}. "
    "Có thể dòng tiêu đề vừa bị sửa; hãy khôi phục tiêu đề rồi gửi lại. Các báo cáo vẫn được "
    "giữ lại."
)
WRITE_COLUMN_GONE = (
    "Chưa ghi được vào trang «{title}»: trang không còn cột {headers} để ghi nội dung đã nhập. "
    "Hãy thêm lại tiêu đề cột đó vào dòng tiêu đề rồi gửi lại. Các báo cáo vẫn được giữ lại."
)
ROWS_MISPLACED = (
    "Google Sheets đã nhận {count} dòng nhưng ghi vào {rows} của trang «{title}» ({why}), "
    "nơi chương trình không đọc tới. Hãy chuyển các dòng đó xuống dưới dòng tiêu đề (dòng "
    "{header_row}) đúng cột, hoặc xóa chúng, rồi bấm «Gửi lại» ở trang «Kiểm tra dữ liệu»."
)
MISPLACED_ABOVE = "phía trên dòng tiêu đề"
MISPLACED_COLUMN = "lệch cột: bắt đầu ở cột {got} thay vì cột {want}"
MISPLACED_COUNT = "Google báo ghi {got} dòng thay vì {want} dòng"
