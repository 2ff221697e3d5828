// Starts GraphiQL on the playground page. This code lives in a file, not in
// the page, because the page's Content-Security-Policy runs scripts from the
// server's own origin only. The server passes its settings as data-
// attributes of #graphiql.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');
  var params = new URLSearchParams(window.location.search);

  // Links like ?query=...&variables=... open the playground with those
  // editors filled in; an absent parameter leaves GraphiQL's own choice
  // (the last tab the user had open, kept in local storage).
  function param(name) {
    var value = params.get(name);
    return value === null ? undefined : value;
  }

  // Editing keeps the address bar in step with the editors, so the URL can be
  // copied and shared. replaceState adds no history entry per keystroke.
  function keepInURL(name) {
    return function (value) {
      if (value) {
        params.set(name, value);
      } else {
        params.delete(name);
      }
      var search = params.toString();
      window.history.replaceState(
        null,
        '',
        window.location.pathname + (search ? '?' + search : '') + window.location.hash
      );
    };
  }

  var fetcher = GraphiQL.createFetcher({ url: endpoint });

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      query: param('query'),
      variables: param('variables'),
      operationName: param('operationName'),
      isHeadersEditorEnabled: true,
      onEditQuery: keepInURL('query'),
      onEditVariables: keepInURL('variables'),
      onEditOperationName: keepInURL('operationName'),
    })
  );
})();
