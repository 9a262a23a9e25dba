/**
 * Generated from docs/openapi.json by `npm run openapi` (scripts/openapi/types.ts, openapi-typescript).
 * Do not edit: change the schemas in functions/http/schemas.ts or scripts/openapi/, then run it again.
 */

export interface paths {
    "/profiles:batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upsert up to 1,000 profiles
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["upsertProfiles"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/profiles/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A profile
         * @description Roles: any signed-in user.
         */
        get: operations["getProfile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/profiles/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Messages sent to a profile, newest first
         * @description Roles: any signed-in user.
         */
        get: operations["getProfileHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audiences": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Audiences, newest first
         * @description Roles: any signed-in user.
         */
        get: operations["listAudiences"];
        put?: never;
        /**
         * Create an audience
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["createAudience"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audiences/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An audience
         * @description Roles: any signed-in user.
         */
        get: operations["getAudience"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audiences/{id}/members:batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add up to 1,000 profiles to an audience
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["addAudienceMembers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audiences/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Profile ids of an audience
         * @description Roles: any signed-in user.
         */
        get: operations["listAudienceMembers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/audiences/{id}/profiles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Members of an audience with their profiles
         * @description Roles: any signed-in user.
         */
        get: operations["listAudienceProfiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Deliveries, optionally by state
         * @description Roles: any signed-in user.
         */
        get: operations["listDeliveries"];
        put?: never;
        /**
         * Create a delivery (editing)
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["createDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A delivery with its Deployment block
         * @description Roles: any signed-in user.
         */
        get: operations["getDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Edit a delivery (back to editing; prepare again)
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        patch: operations["updateDelivery"];
        trace?: never;
    };
    "/deliveries/{id}/prepare": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Prepare: target, exclusions, To deliver
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["prepareDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/compute-stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Recompute every KPI from the logs
         * @description Roles: any signed-in user.
         */
        post: operations["computeDeliveryStats"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/executions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Executions of a recurring delivery
         * @description Roles: any signed-in user.
         */
        get: operations["listExecutions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sends and outcomes over time (the chart of the Deployment block)
         * @description Roles: any signed-in user.
         */
        get: operations["getDeliveryTimeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resend to who did not get it: a new delivery (editing) whose audience is the soft failures, canceled and in-doubt-expired recipients
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["resendDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm the send (now or at the contact date)
         * @description Roles: start-deliveries only.
         */
        post: operations["confirmDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause a send
         * @description Roles: start-deliveries only.
         */
        post: operations["pauseDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused send
         * @description Roles: start-deliveries only.
         */
        post: operations["resumeDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop a send (terminal)
         * @description Roles: start-deliveries only.
         */
        post: operations["stopDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/sending-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sending log
         * @description Roles: administration.
         */
        get: operations["listSendingLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/exclusion-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Exclusion log
         * @description Roles: administration.
         */
        get: operations["listExclusionLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/tracking-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tracking log
         * @description Roles: administration.
         */
        get: operations["listTrackingLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/deliveries/{id}/proofs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The proofs of a delivery, newest first
         * @description Roles: any signed-in user.
         */
        get: operations["listProofs"];
        put?: never;
        /**
         * Send a proof of the prepared content ([Proof] subject) to 1 to 20 addresses
         * @description Roles: prepare-deliveries, start-deliveries.
         */
        post: operations["sendProof"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/unsubscribe/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One-click unsubscribe link: a confirmation page whose button POSTs (a GET never unsubscribes)
         * @description Roles: public (no sign-in): the token is signed.
         */
        get: operations["getUnsubscribePage"];
        put?: never;
        /**
         * One-click unsubscribe (RFC 8058): opts the recipient out at once; body List-Unsubscribe=One-Click
         * @description Roles: public (no sign-in): the token is signed.
         */
        post: operations["unsubscribe"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Error: {
            error: {
                code: string;
                message: string;
                details?: {
                    [key: string]: unknown;
                };
            };
        };
        GatewayError: {
            message: string;
        };
        Profile: {
            id: string;
            email?: string;
            firstName?: string;
            lastName?: string;
            timeZone?: string;
            optOut: boolean;
            /** @description When it opted out (absent while opted in) */
            optOutAt?: string;
            /** @description The message it unsubscribed from, for a list unsubscribe */
            optOutSource?: {
                deliveryId: string;
                sesMessageId: string;
            };
            /** @description ISO 8601 UTC time */
            updatedAt: string;
        };
        ProfilePage: {
            items: {
                id: string;
                email?: string;
                firstName?: string;
                lastName?: string;
                timeZone?: string;
                optOut: boolean;
                /** @description When it opted out (absent while opted in) */
                optOutAt?: string;
                /** @description The message it unsubscribed from, for a list unsubscribe */
                optOutSource?: {
                    deliveryId: string;
                    sesMessageId: string;
                };
                /** @description ISO 8601 UTC time */
                updatedAt: string;
            }[];
            nextCursor: string | null;
        };
        Audience: {
            id: string;
            name: string;
            memberCount: number;
            /** @description ISO 8601 UTC time */
            createdAt: string;
        };
        AudiencePage: {
            items: {
                id: string;
                name: string;
                memberCount: number;
                /** @description ISO 8601 UTC time */
                createdAt: string;
            }[];
            nextCursor: string | null;
        };
        MembersResult: {
            audience: {
                id: string;
                name: string;
                memberCount: number;
                /** @description ISO 8601 UTC time */
                createdAt: string;
            };
            added: number;
        };
        MemberPage: {
            items: string[];
            nextCursor: string | null;
        };
        Delivery: {
            id: string;
            label: string;
            content: {
                from: string;
                subject: string;
                html: string;
                text: string;
            };
            audienceId: string;
            schedule?: {
                contactDate: string;
                timeZone: string;
            };
            recurrence?: {
                expression: string;
                timeZone: string;
                requestConfirmation: boolean;
            };
            parentId?: string;
            /** @enum {string} */
            state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
            version: number;
            preparation?: {
                version: number;
                targeted: number;
                toDeliver: number;
                excluded: number;
                exclusions: {
                    "address-missing"?: number;
                    "duplicate-address"?: number;
                    quarantined?: number;
                    denylisted?: number;
                    "opted-out"?: number;
                };
                /** @description ISO 8601 UTC time */
                startedAt: string;
                /** @description ISO 8601 UTC time */
                completedAt?: string;
                errors?: string[];
            };
            confirmedBy?: {
                sub: string;
                username: string;
            };
            /** @description ISO 8601 UTC time */
            confirmedAt?: string;
            autoConfirmed?: boolean;
            failureReason?: string;
            /** @description Why the system paused it (daily quota, reputation guard) */
            pauseReason?: string;
            /** @description The totals at the reputation guard's last pause: after a resume it judges what happened since */
            reputationBaseline?: {
                processed: number;
                bounces: number;
                complaints: number;
            };
            /** @description A resend: the delivery whose recipients that did not get it this one targets */
            resendOf?: {
                deliveryId: string;
                version: number;
                label: string;
            };
            /** @description ISO 8601 UTC time */
            createdAt: string;
            createdBy: {
                sub: string;
                username: string;
            };
            /** @description ISO 8601 UTC time */
            updatedAt: string;
            history: {
                /** @description ISO 8601 UTC time */
                at: string;
                action: string;
                from: ("editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed") | null;
                /** @enum {string} */
                to: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                by: {
                    sub: string;
                    username: string;
                } | {
                    system: string;
                };
                reason?: string;
            }[];
            deployment: {
                /** @enum {string} */
                state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                statusText: string;
                progress: {
                    processed: number;
                    toDeliver: number;
                };
                /** @description Only while preparing: profiles read so far against the audience size */
                preparation?: {
                    targeted: number;
                    toDeliver: number;
                    excluded: number;
                    audienceSize: number;
                    percent: number;
                };
                kpis: {
                    toDeliver: number;
                    sent: number;
                    processed: number;
                    delivered: number;
                    bouncesAndErrors: number;
                    deliveredRate: number;
                    bouncesAndErrorsRate: number;
                    opens: number;
                    uniqueOpens: number;
                    openRate: number;
                    clicks: number;
                    uniqueClicks: number;
                    clickThroughRate: number;
                    /** @description Opens classified human (machine opens: mail privacy proxies, scanners) */
                    humanOpens: number;
                    uniqueHumanOpens: number;
                    /** @description uniqueHumanOpens / delivered, beside openRate */
                    humanOpenRate: number;
                    /** @description Clicks classified human (machine clicks: security scanners) */
                    humanClicks: number;
                    uniqueHumanClicks: number;
                    /** @description uniqueHumanClicks / delivered, beside clickThroughRate */
                    humanClickThroughRate: number;
                };
                computedAt: {
                    realTime: string | null;
                    tracking: string | null;
                };
            };
        };
        DeliveryPage: {
            items: {
                id: string;
                label: string;
                content: {
                    from: string;
                    subject: string;
                    html: string;
                    text: string;
                };
                audienceId: string;
                schedule?: {
                    contactDate: string;
                    timeZone: string;
                };
                recurrence?: {
                    expression: string;
                    timeZone: string;
                    requestConfirmation: boolean;
                };
                parentId?: string;
                /** @enum {string} */
                state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                version: number;
                preparation?: {
                    version: number;
                    targeted: number;
                    toDeliver: number;
                    excluded: number;
                    exclusions: {
                        "address-missing"?: number;
                        "duplicate-address"?: number;
                        quarantined?: number;
                        denylisted?: number;
                        "opted-out"?: number;
                    };
                    /** @description ISO 8601 UTC time */
                    startedAt: string;
                    /** @description ISO 8601 UTC time */
                    completedAt?: string;
                    errors?: string[];
                };
                confirmedBy?: {
                    sub: string;
                    username: string;
                };
                /** @description ISO 8601 UTC time */
                confirmedAt?: string;
                autoConfirmed?: boolean;
                failureReason?: string;
                /** @description Why the system paused it (daily quota, reputation guard) */
                pauseReason?: string;
                /** @description The totals at the reputation guard's last pause: after a resume it judges what happened since */
                reputationBaseline?: {
                    processed: number;
                    bounces: number;
                    complaints: number;
                };
                /** @description A resend: the delivery whose recipients that did not get it this one targets */
                resendOf?: {
                    deliveryId: string;
                    version: number;
                    label: string;
                };
                /** @description ISO 8601 UTC time */
                createdAt: string;
                createdBy: {
                    sub: string;
                    username: string;
                };
                /** @description ISO 8601 UTC time */
                updatedAt: string;
                history: {
                    /** @description ISO 8601 UTC time */
                    at: string;
                    action: string;
                    from: ("editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed") | null;
                    /** @enum {string} */
                    to: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                    by: {
                        sub: string;
                        username: string;
                    } | {
                        system: string;
                    };
                    reason?: string;
                }[];
                deployment: {
                    /** @enum {string} */
                    state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                    statusText: string;
                    progress: {
                        processed: number;
                        toDeliver: number;
                    };
                    /** @description Only while preparing: profiles read so far against the audience size */
                    preparation?: {
                        targeted: number;
                        toDeliver: number;
                        excluded: number;
                        audienceSize: number;
                        percent: number;
                    };
                    kpis: {
                        toDeliver: number;
                        sent: number;
                        processed: number;
                        delivered: number;
                        bouncesAndErrors: number;
                        deliveredRate: number;
                        bouncesAndErrorsRate: number;
                        opens: number;
                        uniqueOpens: number;
                        openRate: number;
                        clicks: number;
                        uniqueClicks: number;
                        clickThroughRate: number;
                        /** @description Opens classified human (machine opens: mail privacy proxies, scanners) */
                        humanOpens: number;
                        uniqueHumanOpens: number;
                        /** @description uniqueHumanOpens / delivered, beside openRate */
                        humanOpenRate: number;
                        /** @description Clicks classified human (machine clicks: security scanners) */
                        humanClicks: number;
                        uniqueHumanClicks: number;
                        /** @description uniqueHumanClicks / delivered, beside clickThroughRate */
                        humanClickThroughRate: number;
                    };
                    computedAt: {
                        realTime: string | null;
                        tracking: string | null;
                    };
                };
            }[];
            nextCursor: string | null;
        };
        SendingLogPage: {
            items: {
                deliveryId: string;
                version: number;
                recipientId: string;
                profileId: string;
                email: string;
                /** @enum {string} */
                status: "pending" | "sent" | "delivered" | "failed" | "canceled" | "in-doubt";
                /** @enum {string} */
                failureType?: "hard" | "soft" | "error";
                failureReason?: string;
                sesMessageId?: string;
                /** @description ISO 8601 UTC time */
                sentAt?: string;
                /** @description ISO 8601 UTC time */
                deliveredAt?: string;
                /** @description ISO 8601 UTC time */
                updatedAt: string;
                opens?: number;
                clicks?: number;
                /** @description ISO 8601 UTC time */
                firstOpenAt?: string;
                /** @description ISO 8601 UTC time */
                firstClickAt?: string;
            }[];
            nextCursor: string | null;
        };
        ExclusionLogPage: {
            items: {
                deliveryId: string;
                version: number;
                profileId: string;
                email: string | null;
                /** @constant */
                status: "ignored";
                /** @enum {string} */
                cause: "address-missing" | "duplicate-address" | "quarantined" | "denylisted" | "opted-out";
                reason: string;
                /** @description ISO 8601 UTC time */
                at: string;
            }[];
            nextCursor: string | null;
        };
        TrackingLogPage: {
            items: {
                deliveryId: string;
                version: number;
                recipientId: string;
                profileId: string;
                sesMessageId: string;
                /** @enum {string} */
                type: "open" | "click" | "opt-out";
                /** @description ISO 8601 UTC time */
                at: string;
                link?: string;
                userAgent?: string;
                ipAddress?: string;
                /**
                 * @description Opens and clicks: a reader, or a mail privacy proxy or security scanner
                 * @enum {string}
                 */
                classification?: "human" | "machine";
                /** @description The rule that decided: gmail-image-proxy, apple-mpp, scanner-user-agent, no-user-agent, click-too-fast, mail-client */
                classificationRule?: string;
                eventId: string;
            }[];
            nextCursor: string | null;
        };
        SendingHistoryPage: {
            items: {
                deliveryId: string;
                version: number;
                recipientId: string;
                profileId: string;
                email: string;
                /** @enum {string} */
                status: "pending" | "sent" | "delivered" | "failed" | "canceled" | "in-doubt";
                /** @enum {string} */
                failureType?: "hard" | "soft" | "error";
                failureReason?: string;
                sesMessageId?: string;
                /** @description ISO 8601 UTC time */
                sentAt?: string;
                /** @description ISO 8601 UTC time */
                deliveredAt?: string;
                /** @description ISO 8601 UTC time */
                updatedAt: string;
                opens?: number;
                clicks?: number;
                /** @description ISO 8601 UTC time */
                firstOpenAt?: string;
                /** @description ISO 8601 UTC time */
                firstClickAt?: string;
            }[];
            nextCursor: string | null;
        };
        ComputeStatsResult: {
            deliveryId: string;
            kpis: {
                toDeliver: number;
                sent: number;
                processed: number;
                delivered: number;
                bouncesAndErrors: number;
                deliveredRate: number;
                bouncesAndErrorsRate: number;
                opens: number;
                uniqueOpens: number;
                openRate: number;
                clicks: number;
                uniqueClicks: number;
                clickThroughRate: number;
                /** @description Opens classified human (machine opens: mail privacy proxies, scanners) */
                humanOpens: number;
                uniqueHumanOpens: number;
                /** @description uniqueHumanOpens / delivered, beside openRate */
                humanOpenRate: number;
                /** @description Clicks classified human (machine clicks: security scanners) */
                humanClicks: number;
                uniqueHumanClicks: number;
                /** @description uniqueHumanClicks / delivered, beside clickThroughRate */
                humanClickThroughRate: number;
            };
            computedAt: {
                /** @description ISO 8601 UTC time */
                realTime: string;
                /** @description ISO 8601 UTC time */
                tracking: string;
            };
            repaired: {
                [key: string]: number;
            };
            /** @description Why the repair of the counters waits, and after when it can succeed (null: nothing waits) */
            pendingRepair: {
                /** @enum {string} */
                reason: "moving" | "settling";
                /** @description ISO 8601 UTC time */
                retryAfter: string;
            } | null;
            complete: boolean;
            progress: {
                read: number;
                toDeliver: number;
            };
        };
        Timeline: {
            deliveryId: string;
            /** @description Width of each bucket */
            bucketSeconds: number;
            buckets: {
                /** @description Start of the bucket */
                at: string;
                sent: number;
                delivered: number;
                bouncesAndErrors: number;
                uniqueOpens: number;
                uniqueClicks: number;
            }[];
        };
        Proof: {
            deliveryId: string;
            proofId: string;
            /** @description The prepared version whose content was sent */
            version: number;
            subject: string;
            /** @description ISO 8601 UTC time */
            sentAt: string;
            sentBy: {
                sub: string;
                username: string;
            };
            recipients: {
                address: string;
                /** @enum {string} */
                status: "pending" | "sent" | "failed" | "delivered" | "bounced" | "complained";
                sesMessageId?: string;
                reason?: string;
                opens: number;
                clicks: number;
                /** @description ISO 8601 UTC time */
                updatedAt: string;
            }[];
        };
        ProofPage: {
            items: {
                deliveryId: string;
                proofId: string;
                /** @description The prepared version whose content was sent */
                version: number;
                subject: string;
                /** @description ISO 8601 UTC time */
                sentAt: string;
                sentBy: {
                    sub: string;
                    username: string;
                };
                recipients: {
                    address: string;
                    /** @enum {string} */
                    status: "pending" | "sent" | "failed" | "delivered" | "bounced" | "complained";
                    sesMessageId?: string;
                    reason?: string;
                    opens: number;
                    clicks: number;
                    /** @description ISO 8601 UTC time */
                    updatedAt: string;
                }[];
            }[];
            nextCursor: string | null;
        };
        ProofInput: {
            /** @description Where to send the proof */
            addresses: string[];
        };
        ResendResult: {
            id: string;
            label: string;
            content: {
                from: string;
                subject: string;
                html: string;
                text: string;
            };
            audienceId: string;
            schedule?: {
                contactDate: string;
                timeZone: string;
            };
            recurrence?: {
                expression: string;
                timeZone: string;
                requestConfirmation: boolean;
            };
            parentId?: string;
            /** @enum {string} */
            state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
            version: number;
            preparation?: {
                version: number;
                targeted: number;
                toDeliver: number;
                excluded: number;
                exclusions: {
                    "address-missing"?: number;
                    "duplicate-address"?: number;
                    quarantined?: number;
                    denylisted?: number;
                    "opted-out"?: number;
                };
                /** @description ISO 8601 UTC time */
                startedAt: string;
                /** @description ISO 8601 UTC time */
                completedAt?: string;
                errors?: string[];
            };
            confirmedBy?: {
                sub: string;
                username: string;
            };
            /** @description ISO 8601 UTC time */
            confirmedAt?: string;
            autoConfirmed?: boolean;
            failureReason?: string;
            /** @description Why the system paused it (daily quota, reputation guard) */
            pauseReason?: string;
            /** @description The totals at the reputation guard's last pause: after a resume it judges what happened since */
            reputationBaseline?: {
                processed: number;
                bounces: number;
                complaints: number;
            };
            /** @description A resend: the delivery whose recipients that did not get it this one targets */
            resendOf?: {
                deliveryId: string;
                version: number;
                label: string;
            };
            /** @description ISO 8601 UTC time */
            createdAt: string;
            createdBy: {
                sub: string;
                username: string;
            };
            /** @description ISO 8601 UTC time */
            updatedAt: string;
            history: {
                /** @description ISO 8601 UTC time */
                at: string;
                action: string;
                from: ("editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed") | null;
                /** @enum {string} */
                to: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                by: {
                    sub: string;
                    username: string;
                } | {
                    system: string;
                };
                reason?: string;
            }[];
            deployment: {
                /** @enum {string} */
                state: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                statusText: string;
                progress: {
                    processed: number;
                    toDeliver: number;
                };
                /** @description Only while preparing: profiles read so far against the audience size */
                preparation?: {
                    targeted: number;
                    toDeliver: number;
                    excluded: number;
                    audienceSize: number;
                    percent: number;
                };
                kpis: {
                    toDeliver: number;
                    sent: number;
                    processed: number;
                    delivered: number;
                    bouncesAndErrors: number;
                    deliveredRate: number;
                    bouncesAndErrorsRate: number;
                    opens: number;
                    uniqueOpens: number;
                    openRate: number;
                    clicks: number;
                    uniqueClicks: number;
                    clickThroughRate: number;
                    /** @description Opens classified human (machine opens: mail privacy proxies, scanners) */
                    humanOpens: number;
                    uniqueHumanOpens: number;
                    /** @description uniqueHumanOpens / delivered, beside openRate */
                    humanOpenRate: number;
                    /** @description Clicks classified human (machine clicks: security scanners) */
                    humanClicks: number;
                    uniqueHumanClicks: number;
                    /** @description uniqueHumanClicks / delivered, beside clickThroughRate */
                    humanClickThroughRate: number;
                };
                computedAt: {
                    realTime: string | null;
                    tracking: string | null;
                };
            };
            resendTarget: {
                profileIds: string[];
                byCause: {
                    "soft-bounce": number;
                    canceled: number;
                    "in-doubt-expired": number;
                };
                leftOut: {
                    optedOut: number;
                    quarantined: number;
                    noAddress: number;
                };
            };
        };
        ProfilesBatch: {
            profiles: {
                id?: string;
                email?: string | null;
                firstName?: string | null;
                lastName?: string | null;
                timeZone?: string | null;
                optOut?: boolean;
            }[];
        };
        ProfilesBatchResult: {
            items: {
                id: string;
                email?: string;
                firstName?: string;
                lastName?: string;
                timeZone?: string;
                optOut: boolean;
                /** @description When it opted out (absent while opted in) */
                optOutAt?: string;
                /** @description The message it unsubscribed from, for a list unsubscribe */
                optOutSource?: {
                    deliveryId: string;
                    sesMessageId: string;
                };
                /** @description ISO 8601 UTC time */
                updatedAt: string;
            }[];
            /** @description profiles that did not exist before this request */
            created: number;
            /** @description profiles that existed and were updated */
            updated: number;
        };
        AudienceInput: {
            name: string;
        };
        MembersBatch: {
            profileIds: string[];
        };
        DeliveryInput: {
            label: string;
            content: {
                from: string;
                subject: string;
                html: string;
                text: string;
            };
            audienceId: string;
            schedule?: {
                /** @description Local wall time YYYY-MM-DDTHH:mm:ss in timeZone */
                contactDate: string;
                /** @description IANA time zone, e.g. Europe/Paris */
                timeZone: string;
            } | null;
            recurrence?: {
                /** @description EventBridge Scheduler rate(...) or cron(...) */
                expression: string;
                timeZone: string;
                /** @description Ask for a confirm before each execution (default true) */
                requestConfirmation?: boolean;
            } | null;
        };
        DeliveryPatch: {
            label?: string;
            content?: {
                from: string;
                subject: string;
                html: string;
                text: string;
            };
            audienceId?: string;
            schedule?: {
                /** @description Local wall time YYYY-MM-DDTHH:mm:ss in timeZone */
                contactDate: string;
                /** @description IANA time zone, e.g. Europe/Paris */
                timeZone: string;
            } | null;
            recurrence?: {
                /** @description EventBridge Scheduler rate(...) or cron(...) */
                expression: string;
                timeZone: string;
                /** @description Ask for a confirm before each execution (default true) */
                requestConfirmation?: boolean;
            } | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type Error = components['schemas']['Error'];
export type GatewayError = components['schemas']['GatewayError'];
export type Profile = components['schemas']['Profile'];
export type ProfilePage = components['schemas']['ProfilePage'];
export type Audience = components['schemas']['Audience'];
export type AudiencePage = components['schemas']['AudiencePage'];
export type MembersResult = components['schemas']['MembersResult'];
export type MemberPage = components['schemas']['MemberPage'];
export type Delivery = components['schemas']['Delivery'];
export type DeliveryPage = components['schemas']['DeliveryPage'];
export type SendingLogPage = components['schemas']['SendingLogPage'];
export type ExclusionLogPage = components['schemas']['ExclusionLogPage'];
export type TrackingLogPage = components['schemas']['TrackingLogPage'];
export type SendingHistoryPage = components['schemas']['SendingHistoryPage'];
export type ComputeStatsResult = components['schemas']['ComputeStatsResult'];
export type Timeline = components['schemas']['Timeline'];
export type Proof = components['schemas']['Proof'];
export type ProofPage = components['schemas']['ProofPage'];
export type ProofInput = components['schemas']['ProofInput'];
export type ResendResult = components['schemas']['ResendResult'];
export type ProfilesBatch = components['schemas']['ProfilesBatch'];
export type ProfilesBatchResult = components['schemas']['ProfilesBatchResult'];
export type AudienceInput = components['schemas']['AudienceInput'];
export type MembersBatch = components['schemas']['MembersBatch'];
export type DeliveryInput = components['schemas']['DeliveryInput'];
export type DeliveryPatch = components['schemas']['DeliveryPatch'];
export type $defs = Record<string, never>;
export interface operations {
    upsertProfiles: {
        parameters: {
            query?: never;
            header?: {
                /** @description replays the first answer to a retry */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProfilesBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfilesBatchResult"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getProfile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Profile"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getProfileHistory: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendingHistoryPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAudiences: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AudiencePage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
        };
    };
    createAudience: {
        parameters: {
            query?: never;
            header?: {
                /** @description replays the first answer to a retry */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AudienceInput"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Audience"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAudience: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Audience"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    addAudienceMembers: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MembersBatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MembersResult"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAudienceMembers: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MemberPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listAudienceProfiles: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProfilePage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                /** @description a delivery state */
                state?: "editing" | "preparing" | "ready" | "preparation-failed" | "scheduled" | "sending" | "paused" | "finished" | "stopped" | "expired" | "failed";
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
        };
    };
    createDelivery: {
        parameters: {
            query?: never;
            header?: {
                /** @description replays the first answer to a retry */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeliveryInput"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    updateDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DeliveryPatch"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    prepareDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    computeDeliveryStats: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ComputeStatsResult"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listExecutions: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getDeliveryTimeline: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Timeline"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resendDelivery: {
        parameters: {
            query?: never;
            header?: {
                /** @description replays the first answer to a retry */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResendResult"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    confirmDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    pauseDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resumeDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    stopDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Delivery"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSendingLogs: {
        parameters: {
            query?: {
                /** @description a recipient status */
                status?: "pending" | "sent" | "delivered" | "failed" | "canceled" | "in-doubt";
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendingLogPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listExclusionLogs: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExclusionLogPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listTrackingLogs: {
        parameters: {
            query?: {
                /** @description open, click or opt-out */
                type?: "open" | "click" | "opt-out";
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TrackingLogPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listProofs: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                /** @description page size, 1 to 100 (default 50) */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ProofPage"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    sendProof: {
        parameters: {
            query?: never;
            header?: {
                /** @description replays the first answer to a retry */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description an id; a malformed one (encoding, length, characters) is a 400 naming it */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ProofInput"];
            };
        };
        responses: {
            /** @description OK */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Proof"];
                };
            };
            /** @description Error */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid token (answered by API Gateway) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
            /** @description Error */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Error */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUnsubscribePage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the signed token of the link */
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description The link is not valid */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description Throttled (answered by API Gateway) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
        };
    };
    unsubscribe: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description the signed token of the link */
                token: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/x-www-form-urlencoded": {
                    /** @constant */
                    "List-Unsubscribe"?: "One-Click";
                };
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description The link is not valid */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description Throttled (answered by API Gateway) */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GatewayError"];
                };
            };
        };
    };
}
