// Telegram opens a Mini App with its signed initData in the URL fragment (tgWebAppData);
// the server checks the signature. No script from elsewhere is loaded.
(function () {
  var hash = new URLSearchParams(window.location.hash.slice(1));
  var data = hash.get("tgWebAppData");
  if (!data) { document.querySelector("h1").textContent = "请在 Telegram 内打开本页面。"; return; }
  history.replaceState(null, "", window.location.pathname);
  document.getElementById("init_data").value = data;
  document.getElementById("webapp").submit();
})();
