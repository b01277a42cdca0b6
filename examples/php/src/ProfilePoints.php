<?php

declare(strict_types=1);

namespace ProfilePoints;

/**
 * A small client of the Profile Points service for a PHP platform (Laravel or plain PHP), with the
 * openssl, curl and json extensions only: no Composer package.
 *
 *  - PlatformKey: the platform's RSA key. Signs the users' tokens (RS256, as Laravel Passport does)
 *    and publishes the public half as a JSON Web Key Set for JWT_JWKS_URL.
 *  - Client: the HTTP API, as the platform's backend (INTEGRATION_TOKEN) or as a user (their token).
 *  - Webhook: verifies the service's Standard Webhooks signatures.
 */

final class ServiceError extends \RuntimeException
{
    /** @param array<string, mixed> $body */
    public function __construct(public readonly int $status, public readonly array $body, string $what)
    {
        $code = is_string($body['error'] ?? null) ? $body['error'] : 'HTTP_' . $status;
        $message = is_string($body['message'] ?? null) ? $body['message'] : '';
        parent::__construct("$what answered $status $code: $message");
    }

    /** The service's stable error code (INSUFFICIENT_POINTS, USER_ERASED, …). */
    public function errorCode(): string
    {
        return is_string($this->body['error'] ?? null) ? $this->body['error'] : 'HTTP_' . $this->status;
    }
}

final class PlatformKey
{
    private \OpenSSLAsymmetricKey $private;

    /** @param string $pem The private key, PEM (Laravel Passport: storage/oauth-private.key). */
    public function __construct(string $pem)
    {
        $key = openssl_pkey_get_private($pem);
        if ($key === false) {
            throw new \InvalidArgumentException('not a PEM private key: ' . (openssl_error_string() ?: 'unreadable'));
        }
        $details = openssl_pkey_get_details($key);
        if (($details['type'] ?? null) !== OPENSSL_KEYTYPE_RSA) {
            throw new \InvalidArgumentException('RS256 needs an RSA key');
        }
        $this->private = $key;
    }

    public static function fromFile(string $path): self
    {
        $pem = file_get_contents($path);
        if ($pem === false) {
            throw new \InvalidArgumentException("cannot read $path");
        }
        return new self($pem);
    }

    /**
     * The public half as a JSON Web Key (RFC 7517), with its RFC 7638 thumbprint as `kid`. A JWKS route
     * answers {"keys": [this]}; Laravel: Route::get('/.well-known/jwks.json', fn () => response()->json(...)).
     *
     * @return array<string, string>
     */
    public function publicJwk(): array
    {
        $rsa = openssl_pkey_get_details($this->private)['rsa'];
        $n = base64url($rsa['n']);
        $e = base64url($rsa['e']);
        // The thumbprint hashes the required members in lexicographic order, no whitespace.
        $kid = base64url(hash('sha256', '{"e":"' . $e . '","kty":"RSA","n":"' . $n . '"}', true));
        return ['kty' => 'RSA', 'n' => $n, 'e' => $e, 'alg' => 'RS256', 'use' => 'sig', 'kid' => $kid];
    }

    /** @return array{keys: list<array<string, string>>} */
    public function jwks(): array
    {
        return ['keys' => [$this->publicJwk()]];
    }

    /**
     * A user's bearer token: RS256, `iss` and `aud` as the service is configured (JWT_ISSUER,
     * JWT_AUDIENCE), the platform's user id in `sub`, the role in `role`, optional name and email,
     * valid `$ttl` seconds. `$withKid` false signs without `kid`, as Laravel Passport does: the
     * service accepts that while the key set holds a single RS256 key.
     *
     * @param array<string, mixed> $claims Extra claims (name, email, …)
     */
    public function token(string $issuer, string $audience, string $userId, string $role, array $claims = [], int $ttl = 3600, bool $withKid = false): string
    {
        $now = time();
        $header = ['alg' => 'RS256', 'typ' => 'JWT'] + ($withKid ? ['kid' => $this->publicJwk()['kid']] : []);
        $payload = ['iss' => $issuer, 'aud' => $audience, 'sub' => $userId, 'role' => $role, 'iat' => $now, 'exp' => $now + $ttl] + $claims;
        $input = base64url(json_encode($header, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES))
            . '.' . base64url(json_encode($payload, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
        if (!openssl_sign($input, $signature, $this->private, OPENSSL_ALGO_SHA256)) {
            throw new \RuntimeException('openssl_sign failed: ' . (openssl_error_string() ?: ''));
        }
        return $input . '.' . base64url($signature);
    }
}

final class Client
{
    /**
     * @param string $baseUrl The service, e.g. https://points.example.com
     * @param string $bearer INTEGRATION_TOKEN for the /integration routes, or a user's token
     */
    public function __construct(private readonly string $baseUrl, private readonly string $bearer, private readonly int $timeoutSeconds = 30)
    {
    }

    public function as(string $bearer): self
    {
        return new self($this->baseUrl, $bearer, $this->timeoutSeconds);
    }

    // ── The platform's backend (Authorization: Bearer <INTEGRATION_TOKEN>) ──

    /** @return array<string, mixed> {id, role, name, email, created} */
    public function putUser(string $id, string $role, ?string $name = null, ?string $email = null): array
    {
        $body = ['role' => $role] + ($name === null ? [] : ['name' => $name]) + ($email === null ? [] : ['email' => $email]);
        return $this->json('PUT', '/integration/users/' . rawurlencode($id), $body);
    }

    public function eraseUser(string $id): void
    {
        $this->json('DELETE', '/integration/users/' . rawurlencode($id));
    }

    /** @return array<string, mixed> {id, name, moderatorId, active, created, interactionIds, releasedPoints} */
    public function putProfile(string $id, string $name, ?string $moderatorId, ?bool $active = null): array
    {
        $body = ['name' => $name, 'moderator_id' => $moderatorId] + ($active === null ? [] : ['active' => $active]);
        return $this->json('PUT', '/integration/profiles/' . rawurlencode($id), $body);
    }

    /** @return array{balance: int, spendable: int, balanceVersion: int} */
    public function balance(string $clientId, string $profileId): array
    {
        return $this->json('GET', '/integration/balances?' . http_build_query(['client_id' => $clientId, 'profile_id' => $profileId]));
    }

    /** @return array<string, mixed> {spendId, points, balance, replayed, allocations} */
    public function spendFor(string $clientId, string $profileId, int $points, string $reason, string $idempotencyKey): array
    {
        return $this->json('POST', '/integration/spend', [
            'client_id' => $clientId,
            'profile_id' => $profileId,
            'points' => $points,
            'reason' => $reason,
            'idempotency_key' => $idempotencyKey,
        ]);
    }

    /**
     * The first sync: one user or profile a line, streamed from a generator (never built whole).
     *
     * @param iterable<array<string, mixed>> $lines {"type":"user",…} and {"type":"profile",…}
     * @return array<string, mixed> {created, updated, refused, refusedCount}
     */
    public function import(iterable $lines): array
    {
        $iterator = (function () use ($lines) {
            foreach ($lines as $line) {
                yield json_encode($line, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n";
            }
        })();
        $pending = '';
        return $this->request('POST', '/integration/import', 'application/x-ndjson', null, function ($curl, $fd, int $length) use ($iterator, &$pending): string {
            while (strlen($pending) < $length && $iterator->valid()) {
                $pending .= $iterator->current();
                $iterator->next();
            }
            $chunk = substr($pending, 0, $length);
            $pending = (string) substr($pending, strlen($chunk));
            return $chunk;
        });
    }

    // ── A user (Authorization: Bearer <their token>), as the frontend calls it ──

    /** @return array{sessionId: string, url: string, transactionId: string} answered with 201 */
    public function checkout(string $profileId, string $pack): array
    {
        return $this->json('POST', '/profile-points/checkout', ['profile_id' => $profileId, 'pack' => $pack]);
    }

    /** @return array<string, mixed> the purchase of that Checkout Session */
    public function success(string $sessionId): array
    {
        return $this->json('GET', '/profile-points/success?' . http_build_query(['session_id' => $sessionId]));
    }

    /** @return array<string, mixed> */
    public function spend(string $profileId, int $points, string $reason, string $idempotencyKey): array
    {
        return $this->json('POST', '/profile-points/spend', ['profile_id' => $profileId, 'points' => $points, 'reason' => $reason, 'idempotency_key' => $idempotencyKey]);
    }

    /** @return array<string, mixed> */
    public function profilePoints(string $profileId): array
    {
        return $this->json('GET', '/profile/' . rawurlencode($profileId) . '/points');
    }

    /**
     * @param array<string, mixed>|null $body
     * @return array<string, mixed>
     */
    private function json(string $method, string $path, ?array $body = null): array
    {
        $payload = $body === null ? null : json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        return $this->request($method, $path, $body === null ? null : 'application/json', $payload, null);
    }

    /** @return array<string, mixed> */
    private function request(string $method, string $path, ?string $contentType, ?string $payload, ?callable $stream): array
    {
        $curl = curl_init($this->baseUrl . $path);
        $headers = ['Authorization: Bearer ' . $this->bearer, 'Accept: application/json'];
        if ($contentType !== null) {
            $headers[] = 'Content-Type: ' . $contentType;
        }
        $options = [
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => $this->timeoutSeconds,
            CURLOPT_HTTPHEADER => $headers,
        ];
        if ($payload !== null) {
            $options[CURLOPT_POSTFIELDS] = $payload;
        }
        if ($stream !== null) {
            $options[CURLOPT_UPLOAD] = true;
            $options[CURLOPT_READFUNCTION] = $stream;
            $options[CURLOPT_TIMEOUT] = 0;
            $options[CURLOPT_HTTPHEADER][] = 'Transfer-Encoding: chunked';
        }
        curl_setopt_array($curl, $options);
        $text = curl_exec($curl);
        if ($text === false) {
            $error = curl_error($curl);
            curl_close($curl);
            throw new \RuntimeException("$method $path failed: $error");
        }
        $status = (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
        curl_close($curl);
        $decoded = $text === '' ? [] : json_decode((string) $text, true);
        $answer = is_array($decoded) ? $decoded : [];
        if ($status >= 400) {
            throw new ServiceError($status, $answer, "$method $path");
        }
        return $answer;
    }
}

/**
 * The service's events to the platform (Standard Webhooks 1.0): `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the bytes of the
 * `whsec_<base64>` secret (PLATFORM_WEBHOOK_SECRET).
 */
final class Webhook
{
    public const TOLERANCE_SECONDS = 300;

    private string $key;

    public function __construct(string $secret)
    {
        $encoded = str_starts_with($secret, 'whsec_') ? substr($secret, 6) : $secret;
        $key = base64_decode($encoded, true);
        if ($key === false || $key === '') {
            throw new \InvalidArgumentException('the webhook secret must be whsec_<base64>');
        }
        $this->key = $key;
    }

    /**
     * The event, once its signature and its timestamp check out; throws otherwise. `$headers` by
     * lowercase name (Laravel: $request->header('webhook-id'), …); `$body` exactly as received (the
     * raw bytes: never re-encode the decoded JSON, the signature covers the bytes).
     *
     * @param array<string, string> $headers
     * @return array<string, mixed> {type, timestamp, data}
     */
    public function verify(array $headers, string $body, ?int $now = null): array
    {
        $id = $headers['webhook-id'] ?? '';
        $timestamp = $headers['webhook-timestamp'] ?? '';
        $signatures = $headers['webhook-signature'] ?? '';
        if ($id === '' || !ctype_digit($timestamp) || $signatures === '') {
            throw new \UnexpectedValueException('missing webhook-id, webhook-timestamp or webhook-signature');
        }
        if (abs(($now ?? time()) - (int) $timestamp) > self::TOLERANCE_SECONDS) {
            throw new \UnexpectedValueException('the webhook timestamp is too old or too new');
        }
        $expected = base64_encode(hash_hmac('sha256', $id . '.' . $timestamp . '.' . $body, $this->key, true));
        // Several signatures may be sent (the service rotating its secret): one valid one is enough.
        foreach (explode(' ', $signatures) as $signature) {
            [$version, $value] = array_pad(explode(',', $signature, 2), 2, '');
            if ($version === 'v1' && hash_equals($expected, $value)) {
                $event = json_decode($body, true, 512, JSON_THROW_ON_ERROR);
                if (!is_array($event)) {
                    throw new \UnexpectedValueException('the webhook body is not a JSON object');
                }
                return $event;
            }
        }
        throw new \UnexpectedValueException('no valid webhook signature');
    }
}

function base64url(string $bytes): string
{
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}
