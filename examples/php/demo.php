<?php

declare(strict_types=1);

/**
 * End to end against a running Profile Points service, as a PHP platform would use it:
 * provision a moderator, a client and a profile (the platform's ids), sign the client's token with
 * the platform's RSA key, buy a pack (checkout, then pay on the Stripe emulator's API), read the
 * balance, spend on the client's behalf and as the client, and find a verified webhook event.
 *
 *     PP_SERVICE_URL=http://127.0.0.1:3000 PP_INTEGRATION_TOKEN=… PP_PRIVATE_KEY_FILE=oauth-private.key \
 *     PP_ISSUER=https://platform.example PP_AUDIENCE=profile-points \
 *     PP_STRIPE_EMULATOR_URL=http://127.0.0.1:12111 PP_WEBHOOK_LOG=/tmp/events.ndjson php examples/php/demo.php
 *
 * Prints one line per step and `OK` at the end; exits 1 at the first step that fails.
 */

require __DIR__ . '/src/ProfilePoints.php';

use ProfilePoints\Client;
use ProfilePoints\PlatformKey;
use ProfilePoints\ServiceError;

function setting(string $name): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        fwrite(STDERR, "$name is not set\n");
        exit(2);
    }
    return $value;
}

function step(string $line): void
{
    echo $line, "\n";
}

/** Polls `$probe` until it answers something other than null, for at most `$seconds`. */
function within(float $seconds, callable $probe, string $what): mixed
{
    $deadline = microtime(true) + $seconds;
    do {
        $found = $probe();
        if ($found !== null) {
            return $found;
        }
        usleep(100_000);
    } while (microtime(true) < $deadline);
    throw new RuntimeException("$what did not happen within $seconds s");
}

try {
    $service = rtrim(setting('PP_SERVICE_URL'), '/');
    $issuer = setting('PP_ISSUER');
    $audience = setting('PP_AUDIENCE');
    $emulator = rtrim(setting('PP_STRIPE_EMULATOR_URL'), '/');
    $webhookLog = setting('PP_WEBHOOK_LOG');
    $key = PlatformKey::fromFile(setting('PP_PRIVATE_KEY_FILE'));
    $platform = new Client($service, setting('PP_INTEGRATION_TOKEN'));

    step('JWKS: one RS256 key, kid ' . $key->publicJwk()['kid']);

    // The platform's own ids (its users and profiles tables): the service keeps them as they are.
    $run = getenv('PP_RUN') ?: (string) random_int(100_000_000, 999_999_999);
    $moderatorId = '71' . $run;
    $clientId = '72' . $run;
    $profileId = '73' . $run;

    $moderator = $platform->putUser($moderatorId, 'moderator', 'Léa', "lea+$run@platform.example");
    step("moderator $moderatorId: " . ($moderator['created'] ? 'created' : 'updated'));
    $client = $platform->putUser($clientId, 'client', null, null);
    step("client $clientId: " . ($client['created'] ? 'created' : 'updated') . ' (no name or e-mail shared)');
    $profile = $platform->putProfile($profileId, 'Sophie', $moderatorId);
    step("profile $profileId: " . ($profile['created'] ? 'created' : 'updated') . ", moderator {$profile['moderatorId']}");
    $again = $platform->putProfile($profileId, 'Sophie', $moderatorId);
    step('same profile again: ' . ($again['created'] ? 'created (unexpected)' : 'unchanged, idempotent'));

    // The client's token, signed here as Laravel Passport signs: RS256, no kid.
    $asClient = $platform->as($key->token($issuer, $audience, $clientId, 'client'));
    $page = $asClient->profilePoints($profileId);
    step("token: RS256 without kid accepted; packs " . implode(', ', array_map(fn (array $pack) => "{$pack['code']} = {$pack['price']}", $page['packs'])));

    $checkout = $asClient->checkout($profileId, '500');
    step("checkout: session {$checkout['sessionId']}, purchase {$checkout['transactionId']}");

    // The Stripe emulator's control route plays the customer paying on Stripe's page.
    $pay = curl_init("$emulator/_emulator/sessions/" . rawurlencode($checkout['sessionId']) . '/pay');
    curl_setopt_array($pay, [CURLOPT_POST => true, CURLOPT_POSTFIELDS => '{}', CURLOPT_HTTPHEADER => ['Content-Type: application/json'], CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 30]);
    $paid = json_decode((string) curl_exec($pay), true);
    $payStatus = curl_getinfo($pay, CURLINFO_RESPONSE_CODE);
    curl_close($pay);
    $delivery = $paid['deliveries'][0]['status'] ?? 'none';
    if ($payStatus !== 200 || $delivery !== 200) {
        throw new RuntimeException("paying on the emulator answered $payStatus, its webhook $delivery");
    }
    step("paid on the Stripe emulator: its webhook to the service answered $delivery");

    $purchase = within(10, function () use ($asClient, $checkout) {
        $found = $asClient->success($checkout['sessionId']);
        return $found['status'] === 'completed' ? $found : null;
    }, 'the purchase completing');
    step("purchase {$purchase['id']}: {$purchase['status']}, {$purchase['points']} points");

    $balance = $platform->balance($clientId, $profileId);
    step("balance: {$balance['balance']} points (spendable {$balance['spendable']}, version {$balance['balanceVersion']})");

    $message = "message-$run-1";
    $spent = $platform->spendFor($clientId, $profileId, 10, 'message', $message);
    step("spend for the client: 10 points, balance {$spent['balance']}");
    $replayed = $platform->spendFor($clientId, $profileId, 10, 'message', $message);
    step('same idempotency key again: ' . ($replayed['replayed'] ? "replayed, balance {$replayed['balance']}" : 'SPENT TWICE'));
    $own = $asClient->spend($profileId, 5, 'photo', "photo-$run");
    step("the client's own spend (its token): 5 points, balance {$own['balance']}");
    try {
        $platform->spendFor($clientId, $profileId, 100_000, 'message', "message-$run-2");
        throw new RuntimeException('an overdraft was accepted');
    } catch (ServiceError $refused) {
        step("overdraft refused: {$refused->status} {$refused->errorCode()}");
    }

    $after = $platform->balance($clientId, $profileId);
    step("balance: {$after['balance']} points (version {$after['balanceVersion']})");
    if ($after['balance'] !== 485 || $after['balanceVersion'] <= $balance['balanceVersion']) {
        throw new RuntimeException('the balance is not 500 - 10 - 5 with a newer version');
    }

    // platform.php verified and kept each event the service sent to PLATFORM_WEBHOOK_URL.
    $event = within(15, function () use ($webhookLog, $clientId) {
        $lines = is_file($webhookLog) ? file($webhookLog, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) : [];
        foreach ($lines as $line) {
            $kept = json_decode($line, true);
            if (($kept['type'] ?? null) === 'purchase.completed' && ($kept['data']['clientId'] ?? null) === $clientId) {
                return $kept;
            }
        }
        return null;
    }, "a verified purchase.completed webhook for client $clientId");
    step("webhook {$event['type']} for client $clientId ({$event['id']}): signature verified, {$event['data']['points']} points");

    step('OK');
    exit(0);
} catch (\Throwable $failed) {
    fwrite(STDERR, 'FAILED: ' . $failed->getMessage() . "\n");
    exit(1);
}
