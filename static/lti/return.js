// Sends the chosen content back to the learning platform at once; without JavaScript the button does it.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-lti-return]");
  if (form) { form.submit(); }
});
