<?php

declare(strict_types=1);

/**
 * The two routes a platform adds for Profile Points, as a router for PHP's built-in server:
 *
 *     PP_PRIVATE_KEY_FILE=oauth-private.key PP_WEBHOOK_SECRET=whsec_… PP_WEBHOOK_LOG=/tmp/events.ndjson \
 *       php -S 127.0.0.1:8080 examples/php/platform.php
 *
 * - GET /.well-known/jwks.json: the public half of the platform's signing key (JWT_JWKS_URL);
 * - POST /webhooks/profile-points: the service's events (PLATFORM_WEBHOOK_URL), signature checked,
 *   each event kept once by its webhook-id (a retry sends the same id), answered 204.
 * In Laravel they are two routes and a controller each; docs/integrating.md shows them.
 */

require __DIR__ . '/src/ProfilePoints.php';

use ProfilePoints\PlatformKey;
use ProfilePoints\Webhook;

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';

function answer(int $status, ?array $body = null): void
{
    http_response_code($status);
    if ($body !== null) {
        header('Content-Type: application/json');
        echo json_encode($body, JSON_UNESCAPED_SLASHES);
    }
}

if ($method === 'GET' && $path === '/.well-known/jwks.json') {
    $key = PlatformKey::fromFile((string) getenv('PP_PRIVATE_KEY_FILE'));
    header('Cache-Control: public, max-age=300');
    answer(200, $key->jwks());
    return;
}

if ($method === 'POST' && $path === '/webhooks/profile-points') {
    $headers = array_change_key_case(getallheaders(), CASE_LOWER);
    $body = (string) file_get_contents('php://input');
    try {
        $event = (new Webhook((string) getenv('PP_WEBHOOK_SECRET')))->verify($headers, $body);
    } catch (\Throwable $refused) {
        answer(401, ['error' => $refused->getMessage()]);
        return;
    }
    $log = (string) getenv('PP_WEBHOOK_LOG');
    $id = $headers['webhook-id'];
    $seen = is_file($log) ? (string) file_get_contents($log) : '';
    // Kept once: a delivery tried again carries the same webhook-id.
    if (!str_contains($seen, '{"id":' . json_encode($id) . ',')) {
        file_put_contents($log, json_encode(['id' => $id, 'type' => $event['type'] ?? null, 'data' => $event['data'] ?? null], JSON_UNESCAPED_SLASHES) . "\n", FILE_APPEND | LOCK_EX);
    }
    answer(204);
    return;
}

answer(404, ['error' => 'not found']);
