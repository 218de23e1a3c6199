export { ASYNCAPI_PATH, asyncApiDocument, CLOSE_CODE_DOCS, type AsyncApiDocument } from './document';
