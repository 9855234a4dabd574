"""Channel adapters: one thin module per platform behind bot.channels.base.Channel."""
