"""A Sphinx extension that fixes two script problems of the HTML book's pages.

* **Repeated inline scripts.** sphinx-thebe and sphinx-togglebutton register
  their inline configuration scripts twice under Jupyter Book 1.x (once with
  the application, once with the builder), so every page declared
  ``const THEBE_JS_URL`` twice and the browser reported "Identifier
  'THEBE_JS_URL' has already been declared". Each page now keeps the first
  copy of each script.
* **MathJax 2 calls from the widget manager.** The ipywidgets HTML manager
  typesets widget labels with MathJax 2's ``MathJax.Hub.Queue``; the book
  serves MathJax 3, which has no ``Hub``, so rendering a widget raised
  "Cannot read properties of undefined (reading 'Queue')". A small shim
  maps that one call to MathJax 3's ``typesetPromise``.
"""

from __future__ import annotations

# Runs inline, before the deferred MathJax 3 script: it adds ``Hub`` to the
# configuration object, and again to the real MathJax object once it is ready.
MATHJAX2_HUB_SHIM = """(function () {
  function hub() {
    return {Queue: function () {
      for (const job of arguments) {
        if (Array.isArray(job) && job[0] === "Typeset" && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise([job[2]]).catch(function () {});
        }
      }
    }};
  }
  const config = window.MathJax = window.MathJax || {};
  config.Hub = hub();
  config.startup = config.startup || {};
  config.startup.ready = function () {
    window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub();
  };
})();"""


def _key(script) -> tuple:
    # An inline script comes once with filename None and once with ''.
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set = set()
    unique = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    # Last among the page's scripts: after Sphinx's MathJax configuration.
    app.add_js_file(None, body=MATHJAX2_HUB_SHIM, priority=1000)
    # After the extensions that add page scripts (default priority 500).
    app.connect("html-page-context", dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
