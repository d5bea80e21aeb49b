/**
 * The web: the room's page and its WebSocket, served with Bun.serve
 * (src/transports/web-server.ts), and the page itself, bundled from src/page/
 * when the server starts (src/transports/web-page.ts).
 */
export { hostAllowed, originAllowed, serveWeb, type WebServerOptions } from "./web-server.ts";
export { buildPage, noticePatterns, PAGE_DIR, roomInfo, type RoomInfo, type WebPage } from "./web-page.ts";
