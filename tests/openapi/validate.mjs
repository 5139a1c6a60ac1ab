// Validate an OpenAPI document with @apidevtools/swagger-parser (schema
// and semantics: unique operation ids, path parameters, $refs).
// Usage: node validate.mjs FILE
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
	const api = await SwaggerParser.validate(file);
	const ops = Object.values(api.paths)
	    .reduce((n, item) => n + Object.keys(item).length, 0);
	console.log(`${file}: valid OpenAPI ${api.openapi}, ${ops} operations`);
} catch (err) {
	console.error(`${file}: ${err.message}`);
	process.exit(1);
}
