// Swagger UI over this server's own contract; validatorUrl null keeps it
// from sending the document to an online validator.

window.SwaggerUIBundle({
  url: "/openapi.yaml",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  tryItOutEnabled: false,
});
