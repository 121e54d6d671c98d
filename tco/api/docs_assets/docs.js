// Starts Swagger UI on tco's own OpenAPI document. An external file, so the page needs no
// inline script under its CSP (script-src 'self').
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: new URL("/schema/openapi.json", window.location.href).href,
  dom_id: "#swagger-ui",
  deepLinking: true, // every operation has a permalink (#/tag/operationId)
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  docExpansion: "list",
  defaultModelsExpandDepth: 1,
  defaultModelExpandDepth: 2,
  displayOperationId: true,
  displayRequestDuration: true,
  showExtensions: true,
  showCommonExtensions: true, // pattern, min/max and the other constraints of each parameter
  filter: true,
  tryItOutEnabled: false,
  persistAuthorization: false, // an API key typed into "Authorize" is not kept after the tab
  validatorUrl: null, // never send the document to an outside validator
  withCredentials: false,
});
