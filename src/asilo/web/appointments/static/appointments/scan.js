// Optional: scan the notice's QR code with the phone's camera where the browser has the
// BarcodeDetector API; otherwise the field takes a hand-held scanner's input or typing.
(function () {
  "use strict";
  var box = document.getElementById("camera");
  var field = document.getElementById("code");
  if (!box || !field || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  box.hidden = false;
  var video = document.getElementById("camera-video");
  document.getElementById("camera-start").addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () {
          var look = function () {
            detector.detect(video).then(function (codes) {
              if (codes.length) {
                stream.getTracks().forEach(function (t) { t.stop(); });
                field.value = codes[0].rawValue;
                field.form.submit();
              } else {
                window.requestAnimationFrame(look);
              }
            });
          };
          look();
        });
      })
      .catch(function () {
        box.hidden = true;
      });
  });
})();
