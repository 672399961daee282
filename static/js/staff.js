// Back office: when an htmx action fails without a panel to show (session ended, server error,
// network down), say so in the panel instead of doing nothing.
document.addEventListener("htmx:responseError", function (event) {
  showError(event, document.documentElement.lang === "en"
    ? "The action did not go through (error " + event.detail.xhr.status + "). Reload the page and try again."
    : "Chưa thực hiện được (lỗi " + event.detail.xhr.status + "). Hãy tải lại trang rồi thử lại.");
});
document.addEventListener("htmx:sendError", function (event) {
  showError(event, document.documentElement.lang === "en"
    ? "No connection to the server. Check the network and try again."
    : "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.");
});
function showError(event, text) {
  var box = document.querySelector("#panel .js-error");
  if (!box) { return; }
  box.textContent = text;
  box.hidden = false;
  box.setAttribute("tabindex", "-1");
  box.focus();
}
