"""Slack side of trailsim: render Chatbot-style messages, custom notifications, confirm delivery.

``render`` and ``notifications`` are pure; ``confirm`` talks to Slack through a ready
``slack_sdk.WebClient`` whose ``base_url`` selects real Slack or the local one.
"""

from simulator.slack.confirm import Confirmation, SeenMessage, confirm_delivery, message_text
from simulator.slack.notifications import (
    CustomNotification,
    NotificationError,
    NotificationMetadata,
    chatbot_input_transformer,
    notification_problems,
    parse_custom_notification,
    zone_offset_note,
)
from simulator.slack.render import (
    ChatbotPost,
    SlackMessage,
    render_custom_notification,
    render_event,
    render_sns_message,
)

__all__ = [
    "ChatbotPost",
    "Confirmation",
    "CustomNotification",
    "NotificationError",
    "NotificationMetadata",
    "SeenMessage",
    "SlackMessage",
    "chatbot_input_transformer",
    "confirm_delivery",
    "message_text",
    "notification_problems",
    "parse_custom_notification",
    "render_custom_notification",
    "render_event",
    "render_sns_message",
    "zone_offset_note",
]
