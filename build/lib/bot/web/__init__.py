"""Web pages other than the chat: public broadcast pages, the staff dashboard."""
